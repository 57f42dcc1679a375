/**
 * Balance changes on `acct:{accountId}` (Redis pub/sub), published by the balance manager after the
 * change is committed. A listener may miss one: each message carries the full new values, never a
 * delta, and balances can always be re-read. Amounts are decimal strings in the asset's units
 * (formatted exactly from integer minor units, never through a float).
 */
export interface BalanceSnapshot {
  asset: string;
  available: string;
  locked: string;
}

export interface AccountBalancesMessage {
  type: 'balances';
  accountId: number;
  /** The new values of every balance of this account that the committed batch changed. */
  balances: BalanceSnapshot[];
  /** What changed them: pre-trade locks, settlement of events, an admin transfer. */
  cause: 'lock' | 'settlement' | 'deposit' | 'withdrawal';
  /** Settlement: the market and the last event seq of the batch. */
  market?: string;
  seq?: number;
}
