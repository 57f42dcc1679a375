/** Refusals and failures of the balance manager, each with a stable code (the gateway maps them to HTTP). */
export type BalanceErrorCode =
  /** a withdrawal larger than the available balance */
  | 'INSUFFICIENT_FUNDS'
  | 'UNKNOWN_ACCOUNT'
  | 'UNKNOWN_ASSET'
  | 'UNKNOWN_MARKET'
  /** the account id exists already with a different owner or kind */
  | 'ACCOUNT_EXISTS'
  /** a transfer id reused with a different payload */
  | 'TRANSFER_ID_CONFLICT'
  | 'INVALID_AMOUNT'
  | 'INVALID_TRANSFER_ID'
  | 'INVALID_CURSOR'
  /** settlement met an event for an order the lock stage never locked: a broken pipeline, never skipped */
  | 'MISSING_ORDER_LOCK';

export class BalanceError extends Error {
  override readonly name = 'BalanceError';

  constructor(
    readonly code: BalanceErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
