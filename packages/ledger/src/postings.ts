import { LedgerInvariantError } from './errors';
import type { Bucket, Posting } from './types';

/** available → locked (a positive amount locks, a negative one releases). */
export function lockPostings(account: number, asset: string, amount: bigint): Posting[] {
  if (amount === 0n) return [];
  return [
    { account, asset, bucket: 'available', amount: -amount },
    { account, asset, bucket: 'locked', amount },
  ];
}

/** locked → available. */
export function releasePostings(account: number, asset: string, amount: bigint): Posting[] {
  return lockPostings(account, asset, -amount);
}

/**
 * Merges postings on the same (account, asset, bucket), drops zeros, keeps first-seen order: the
 * smallest set of ledger entries that says the same thing.
 */
export function aggregatePostings(postings: readonly Posting[]): Posting[] {
  // a handful of postings per cause: a linear merge beats a map with string keys
  const out: Posting[] = [];
  for (const p of postings) {
    let merged = false;
    for (const q of out) {
      if (q.account === p.account && q.bucket === p.bucket && q.asset === p.asset) {
        q.amount += p.amount;
        merged = true;
        break;
      }
    }
    if (!merged) out.push({ account: p.account, asset: p.asset, bucket: p.bucket, amount: p.amount });
  }
  return out.filter((p) => p.amount !== 0n);
}

/** Sum per asset of a set of postings. */
export function sumByAsset(postings: readonly Posting[]): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const p of postings) sums.set(p.asset, (sums.get(p.asset) ?? 0n) + p.amount);
  return sums;
}

/** Double entry: every asset's postings of one cause sum to zero. */
export function isBalanced(postings: readonly Posting[]): boolean {
  for (const s of sumByAsset(postings).values()) if (s !== 0n) return false;
  return true;
}

export function assertBalanced(postings: readonly Posting[], cause: string): void {
  if (!isBalanced(postings)) {
    const sums = Object.fromEntries([...sumByAsset(postings)].map(([a, s]) => [a, s.toString()]));
    throw new LedgerInvariantError('UNBALANCED', `postings of ${cause} do not sum to zero`, { cause, sums });
  }
}

/** Net change per (account, asset) bucket pair, for applying a set of postings to balances. */
export interface BalanceDelta {
  account: number;
  asset: string;
  available: bigint;
  locked: bigint;
}

export function balanceDeltas(postings: Iterable<Posting>): BalanceDelta[] {
  const byAccount = new Map<number, Map<string, BalanceDelta>>();
  const out: BalanceDelta[] = [];
  for (const p of postings) {
    let assets = byAccount.get(p.account);
    if (!assets) byAccount.set(p.account, (assets = new Map()));
    let d = assets.get(p.asset);
    if (!d) {
      assets.set(p.asset, (d = { account: p.account, asset: p.asset, available: 0n, locked: 0n }));
      out.push(d);
    }
    d[p.bucket satisfies Bucket] += p.amount;
  }
  return out;
}
