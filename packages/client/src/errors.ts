/** Every refusal of the gateway: the HTTP status plus its stable `{code, message, details}` body. */
export class ExchangeApiError extends Error {
  override readonly name = 'ExchangeApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${code}: ${message}`);
  }

  /** Seconds to wait before retrying, from Retry-After (429), if given. */
  get retryAfterSeconds(): number | undefined {
    const v = this.headers['retry-after'];
    return v === undefined ? undefined : Number(v);
  }
}

export function isApiError(err: unknown, code?: string): err is ExchangeApiError {
  return err instanceof ExchangeApiError && (code === undefined || err.code === code);
}
