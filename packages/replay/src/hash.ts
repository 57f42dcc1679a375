import { createHash } from 'node:crypto';
import type { Posting } from '@exchange/ledger';
import { sortLines, type BalanceLine } from './balance-replay';

/**
 * sha256 over `account \t asset \t available \t locked \n` in (account, asset) order, lines with
 * nothing in them left out (a balances row may hold 0/0 after everything was spent).
 */
export function balanceHash(lines: readonly BalanceLine[]): string {
  const h = createHash('sha256');
  for (const l of sortLines(lines.filter((b) => b.available !== 0n || b.locked !== 0n)))
    h.update(`${l.account}\t${l.asset}\t${l.available}\t${l.locked}\n`);
  return h.digest('hex');
}

/** A cause's postings in a canonical text (merged, sorted), for comparing replayed with recorded. */
export function canonicalPostings(postings: readonly Posting[]): string {
  const merged = new Map<string, bigint>();
  for (const p of postings) {
    const k = `${p.account}|${p.asset}|${p.bucket}`;
    merged.set(k, (merged.get(k) ?? 0n) + p.amount);
  }
  return [...merged]
    .filter(([, v]) => v !== 0n)
    .map(([k, v]) => `${k}|${v}`)
    .sort()
    .join(';');
}

/** Sums postings into balance lines (the external account left out, as in the balances table). */
export function sumPostings(all: Iterable<readonly Posting[]>, external: number): BalanceLine[] {
  const out = new Map<string, BalanceLine>();
  for (const postings of all) {
    for (const p of postings) {
      if (p.account === external) continue;
      const k = `${p.account}\u0000${p.asset}`;
      let b = out.get(k);
      if (!b) out.set(k, (b = { account: p.account, asset: p.asset, available: 0n, locked: 0n }));
      b[p.bucket] += p.amount;
    }
  }
  return [...out.values()];
}
