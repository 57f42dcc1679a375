/**
 * Every refusal has a stable code and one HTTP status, documented in services/gateway/README.md.
 * The body is always `{code, message, details}`.
 */
export const ERROR_STATUS = {
  // request shape
  MALFORMED_JSON: 400,
  VALIDATION_FAILED: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  INVALID_IDEMPOTENCY_KEY: 400,
  UNKNOWN_MARKET: 400,
  // decimals (@exchange/units)
  NOT_A_STRING: 400,
  EMPTY: 400,
  MALFORMED: 400,
  EXPONENT_FORM: 400,
  NEGATIVE: 400,
  ZERO: 400,
  TOO_PRECISE: 400,
  OUT_OF_RANGE: 400,
  OFF_TICK: 400,
  OFF_LOT: 400,
  BELOW_MIN_QTY: 400,
  BELOW_MIN_NOTIONAL: 400,
  // authentication and authorization
  MISSING_CREDENTIALS: 401,
  INVALID_API_KEY: 401,
  INVALID_SIGNATURE: 401,
  TIMESTAMP_OUTSIDE_WINDOW: 401,
  REPLAYED_REQUEST: 401,
  IP_NOT_ALLOWED: 403,
  INSUFFICIENT_SCOPE: 403,
  // limits
  RATE_LIMITED: 429,
  TOO_MANY_OPEN_ORDERS: 409,
  // idempotency
  IDEMPOTENCY_IN_FLIGHT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  // orders: the book and the lock stage
  ORDER_NOT_FOUND: 404,
  UNKNOWN_ORDER: 404,
  ORDER_NOT_OPEN: 409,
  DUPLICATE_CLIENT_ORDER_ID: 409,
  DUPLICATE_ORDER_ID: 409,
  INSUFFICIENT_FUNDS: 400,
  UNKNOWN_ACCOUNT: 400,
  PROTECTION_PRICE_REQUIRED: 400,
  INVALID_COMMAND: 400,
  INVALID_ORDER_ID: 400,
  INVALID_QUANTITY: 400,
  INVALID_PRICE: 400,
  INVALID_TIME_IN_FORCE: 400,
  INVALID_ORDER: 400,
  POST_ONLY_WOULD_TAKE: 400,
  STOP_WOULD_TRIGGER_IMMEDIATELY: 400,
  MARKET_HALTED: 409,
  LEVEL_QUANTITY_OVERFLOW: 400,
  AMEND_QTY_NOT_ABOVE_FILLED: 400,
  AMEND_NOT_SUPPORTED: 400,
  // admin
  ACCOUNT_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  MARKET_NOT_FOUND: 404,
  MARKET_EXISTS: 409,
  INVALID_MARKET: 400,
  INVALID_ASSET: 400,
  UNKNOWN_ASSET: 400,
  ACCOUNT_EXISTS: 409,
  TRANSFER_ID_CONFLICT: 409,
  INVALID_AMOUNT: 400,
  INVALID_TRANSFER_ID: 400,
  INVALID_CURSOR: 400,
  // admin replay
  JOB_NOT_FOUND: 404,
  JOB_FINISHED: 409,
  NOT_EXPORTABLE: 409,
  // generic
  NOT_FOUND: 404,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A refusal. `code` is one of ERROR_STATUS's, or a book/lock reason we do not list (then 400). */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = (ERROR_STATUS as Record<string, number>)[code] ?? 400;
  }

  toBody(): { code: string; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}
