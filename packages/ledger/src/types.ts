/**
 * The ledger's vocabulary. Amounts are bigint minor units of one asset; prices are ticks and
 * quantities lots, as in the book (JS safe integers).
 */

export type Side = 'buy' | 'sell';

/** The two halves of a balance: free to use, and held for open orders. */
export type Bucket = 'available' | 'locked';

/**
 * How an order's lock behaves:
 * - `limit`: a buy with a price (limit, stop-limit, or a market buy by qty with a protection price).
 *   Its lock is always exactly what its open quantity could still cost at that price, fees included
 *   ({@link buyNeed}); every fill releases the price improvement and the unused fee headroom.
 * - `base`: a sell sized in lots; its lock is the open lots in base minor units.
 * - `budget`: sized by a quote amount (a buy spends up to the amount; a sell with a protection
 *   price at most the base that budget can buy). Fills spend from the lock; `done` returns the rest.
 */
export type LockKind = 'limit' | 'base' | 'budget';

export interface FeeSchedule {
  makerBps: number;
  takerBps: number;
}

/** One line of a balance change: `amount` (signed) added to `bucket` of (account, asset). */
export interface Posting {
  account: number;
  asset: string;
  bucket: Bucket;
  amount: bigint;
}

/** What the balance manager knows about one order's lock, as settlement has left it. */
export interface OrderLock {
  orderId: number;
  accountId: number;
  side: Side;
  kind: LockKind;
  /** The asset held: quote for buys, base for sells. */
  asset: string;
  /** Limit or protection price in ticks; null when none. */
  price: number | null;
  /** Total quantity in lots (filled + open) as last amended; null for budget orders. */
  qty: number | null;
  /** Lots filled so far. */
  filled: number;
  /** Minor units of `asset` still held for this order. */
  locked: bigint;
  /** Sum of the notional of its fills (quote minor units). */
  notional: bigint;
  /** Sum over its fills of notional × bps (the role's rate): fees charged so far are ceil(feeWeight / 10⁴). */
  feeWeight: bigint;
  /** Fees charged so far (quote minor units). */
  fees: bigint;
  makerBps: number;
  takerBps: number;
  /** The command that placed it: a `rejected` event releases the lock only for this command. */
  commandId: string;
  closed: boolean;
}
