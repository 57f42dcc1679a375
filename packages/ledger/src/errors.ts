/** Stable codes: a broken money rule is a bug that must stop the pipeline, never be papered over. */
export type LedgerErrorCode =
  'UNBALANCED' | 'NEGATIVE_LOCK' | 'LOCK_OVERSPENT' | 'AMEND_UNDERLOCKED' | 'ORDER_MISMATCH' | 'ORDER_CLOSED';

export class LedgerInvariantError extends Error {
  override readonly name = 'LedgerInvariantError';

  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${code}: ${message}`);
  }
}
