/**
 * Every Redis key and channel the services share, in one place. Streams carry work that must not be
 * lost (consumer groups, acked after the effect is durable); pub/sub channels carry what a listener
 * may miss and resync from a snapshot.
 */
export const keys = {
  /** Gateway → balance manager: one command stream per market. */
  commandStream: (market: string) => `cmd:${market}`,
  /** Balance manager (locks taken) → engine: one stream per market; fields `i` (cmd: entry id), `c` (command JSON), `r` (LockRejectReason). */
  engineStream: (market: string) => `engine:${market}`,
  /** Engine → everyone: the event log's transport copy, entry id `${seq}-1`, field `e` (EngineEvent JSON); the Postgres archive is the record. */
  eventStream: (market: string) => `events:${market}`,
  /** Source of order ids, incremented in the same script that appends the command. */
  orderIdCounter: 'ids:order',
  /** Market data fan-out for ws-feed nodes: book deltas, trades, ticker. */
  marketDataChannel: (market: string) => `md:${market}`,
  /** Private fan-out: order updates, fills, balance changes of one account. */
  accountChannel: (accountId: number | string) => `acct:${accountId}`,
} as const;

export const consumerGroups = {
  balanceLock: 'bm-lock',
  engine: 'engine',
} as const;

/** Orders stream entry ids "ms-seq" numerically (string order is wrong once ms gains a digit). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const d = BigInt(am) - BigInt(bm) || BigInt(as) - BigInt(bs);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
