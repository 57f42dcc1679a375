import fc from 'fast-check';
import { budgetNetOfFee, feeFor } from '@exchange/matching';
import {
  amendExtraLock,
  isBalanced,
  lockNeed,
  settleAmended,
  settleRelease,
  settleTrade,
  type AmendTarget,
  type FeeSchedule,
  type OrderLock,
  type Posting,
} from '../src';
import { counterparty, FEE_ACCOUNT, market, openLock } from './fixtures';

const feesArb: fc.Arbitrary<FeeSchedule> = fc.record({
  makerBps: fc.integer({ min: 0, max: 1000 }),
  takerBps: fc.integer({ min: 0, max: 1000 }),
});
const price = fc.integer({ min: 1, max: 10_000_000 });

/** Splits qty into random positive parts. */
const partition = (qty: number) =>
  fc.array(fc.integer({ min: 1, max: qty }), { maxLength: 12 }).map((cuts) => {
    const parts: number[] = [];
    let left = qty;
    for (const c of cuts) {
      if (left === 0) break;
      const q = Math.min(c, left);
      parts.push(q);
      left -= q;
    }
    if (left > 0) parts.push(left);
    return parts;
  });

const sumAsset = (ps: Posting[], asset: string, account?: number, bucket?: string) =>
  ps
    .filter(
      (p) =>
        p.asset === asset &&
        (account === undefined || p.account === account) &&
        (bucket === undefined || p.bucket === bucket),
    )
    .reduce((s, p) => s + p.amount, 0n);

describe('ledger properties', () => {
  it('a buy limit lock covers every full fill at any prices within its limit, in any roles; fees total ceil(Σ n·bps / 10⁴)', () => {
    fc.assert(
      fc.property(
        feesArb,
        price,
        fc.integer({ min: 1, max: 5_000 }).chain((qty) =>
          fc.tuple(
            fc.constant(qty),
            partition(qty).chain((parts) =>
              fc.tuple(
                ...parts.map((q) => fc.tuple(fc.constant(q), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean())),
              ),
            ),
          ),
        ),
        (fees, limit, [qty, fills]) => {
          let buy = openLock('buy', fees, { price: limit, qty });
          const initial = buy.locked;
          let sell = counterparty('sell', fees);
          let spent = 0n;
          let released = 0n;
          let weight = 0n;
          let notional = 0n;
          for (const [q, frac, buyerIsTaker] of fills) {
            const p = Math.max(1, Math.floor(limit * frac));
            const r = settleTrade(
              market,
              { price: p, qty: q, aggressor: buyerIsTaker ? 'buy' : 'sell' },
              buy,
              sell,
              FEE_ACCOUNT,
            );
            expect(isBalanced(r.postings)).toBe(true);
            expect(r.buy.locked).toBeGreaterThanOrEqual(0n);
            expect(r.buyerReleased).toBeGreaterThanOrEqual(0n);
            expect(r.buy.locked).toBe(lockNeed(market, r.buy));
            spent += r.notional + r.buyerFee;
            released += r.buyerReleased;
            notional += r.notional;
            weight += r.notional * BigInt(buyerIsTaker ? fees.takerBps : fees.makerBps);
            buy = r.buy;
            sell = r.sell;
          }
          expect(buy.filled).toBe(qty);
          expect(buy.locked).toBe(0n); // fully filled: nothing left to hold
          expect(spent + released).toBe(initial);
          expect(spent).toBeLessThanOrEqual(initial);
          expect(buy.fees).toBe((weight + 9_999n) / 10_000n);
          expect(buy.fees).toBeLessThanOrEqual(feeFor(notional, Math.max(fees.makerBps, fees.takerBps)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with one rate, an order’s fees total ceil(total·bps/10⁴) however it is split', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.tuple(price, fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 15 }),
        (bps, fills) => {
          const fees = { makerBps: bps, takerBps: bps };
          let sell = openLock('sell', fees, { price: 1, qty: fills.reduce((s, [, q]) => s + q, 0) });
          let buy = counterparty('buy', fees);
          let total = 0n;
          for (const [p, q] of fills) {
            const r = settleTrade(market, { price: p, qty: q, aggressor: 'buy' }, buy, sell, FEE_ACCOUNT);
            total += r.notional;
            buy = r.buy;
            sell = r.sell;
          }
          expect(sell.fees).toBe(feeFor(total, bps));
          expect(sell.locked).toBe(0n);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('trade postings sum to zero per asset and move exactly notional and quantity', () => {
    fc.assert(
      fc.property(
        feesArb,
        price,
        fc.integer({ min: 1, max: 1e6 }),
        fc.boolean(),
        fc.boolean(),
        (fees, p, q, buyAggr, selfTrade) => {
          const buy = openLock('buy', fees, { price: p, qty: q }, 1, 10);
          const sell = openLock('sell', fees, { price: p, qty: q }, 2, selfTrade ? 10 : 11);
          const r = settleTrade(
            market,
            { price: p, qty: q, aggressor: buyAggr ? 'buy' : 'sell' },
            buy,
            sell,
            FEE_ACCOUNT,
          );
          expect(isBalanced(r.postings)).toBe(true);
          expect(sumAsset(r.postings, 'USDT', FEE_ACCOUNT)).toBe(r.buyerFee + r.sellerFee);
          if (!selfTrade) {
            expect(sumAsset(r.postings, 'BTC', 10, 'available')).toBe(market.lotsToBaseMinor(q));
            expect(sumAsset(r.postings, 'USDT', 11, 'available')).toBe(r.notional - r.sellerFee);
          }
          const closed = settleRelease(r.buy);
          expect(isBalanced(closed.postings)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a buy by quote amount A never spends more than A, whatever it fills within its net budget', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.bigInt({ min: 1n, max: 10n ** 15n }),
        fc.array(fc.tuple(price, fc.integer({ min: 1, max: 1e6 })), { maxLength: 20 }),
        (takerBps, amount, wanted) => {
          const fees = { makerBps: 0, takerBps };
          let buy = openLock('buy', fees, {
            orderType: 'market',
            quoteQty: market.quote.decimals ? formatMinor(amount) : '',
          });
          let sell = counterparty('sell', fees);
          let budget = budgetNetOfFee(amount, takerBps) / market.tickLotMinor; // what the engine matches against
          let spent = 0n;
          for (const [p, want] of wanted) {
            const q = Math.min(want, Number(budget / BigInt(p)));
            if (q < 1) continue;
            budget -= BigInt(p) * BigInt(q);
            const r = settleTrade(market, { price: p, qty: q, aggressor: 'buy' }, buy, sell, FEE_ACCOUNT);
            spent += r.notional + r.buyerFee;
            buy = r.buy;
            sell = r.sell;
          }
          expect(spent).toBeLessThanOrEqual(amount);
          expect(buy.locked).toBe(amount - spent);
          expect(settleRelease(buy).released).toBe(amount - spent);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an amend’s extra lock covers the amended order whatever happened in the engine meanwhile', () => {
    // The engine's true sequence of events for one order: fills and amends (succeeded or refused).
    // The lock stage decides each amend's extra from a stale settled prefix plus the pending amends;
    // settlement then replays the truth and must never find an amend under-locked.
    type Step =
      { kind: 'fill'; frac: number; part: number } | { kind: 'amend'; price?: number; qty?: number; seen: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({
        kind: fc.constant('fill' as const),
        frac: fc.double({ min: 0, max: 1, noNaN: true }),
        part: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
      fc.record(
        {
          kind: fc.constant('amend' as const),
          price: fc.option(price, { nil: undefined }),
          qty: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
          seen: fc.double({ min: 0, max: 1, noNaN: true }),
        },
        { requiredKeys: ['kind', 'seen'] },
      ),
    );
    fc.assert(
      fc.property(
        feesArb,
        fc.constantFrom('buy' as const, 'sell' as const),
        price,
        fc.integer({ min: 1, max: 2000 }),
        fc.array(step, { maxLength: 14 }),
        (fees, side, p0, q0, steps) => {
          // 1. The engine's truth, and each amend's extra as the lock stage decided it.
          type Truth =
            | { kind: 'fill'; price: number; qty: number }
            | { kind: 'amend'; ok: boolean; price: number; qty: number; extra: bigint; target: AmendTarget };
          const truth: Truth[] = [];
          let cur = { price: p0, qty: q0, filled: 0 };
          const other = counterparty(side === 'buy' ? 'sell' : 'buy', fees);
          const settle = (lock: OrderLock, upTo: number): OrderLock => {
            let l = lock;
            let o = other;
            for (const t of truth.slice(0, upTo)) {
              if (t.kind === 'fill') {
                const r =
                  side === 'buy'
                    ? settleTrade(market, { price: t.price, qty: t.qty, aggressor: 'buy' }, l, o, FEE_ACCOUNT)
                    : settleTrade(market, { price: t.price, qty: t.qty, aggressor: 'sell' }, o, l, FEE_ACCOUNT);
                l = side === 'buy' ? r.buy : r.sell;
                o = side === 'buy' ? r.sell : r.buy;
              } else if (t.ok) l = settleAmended(market, l, t.extra, t.price, t.qty).lock;
            }
            return l;
          };
          const start = openLock(side, fees, { price: p0, qty: q0 });
          let settledUpTo = 0;
          for (const s of steps) {
            if (cur.filled >= cur.qty) break; // done
            if (s.kind === 'fill') {
              const open = cur.qty - cur.filled;
              const q = Math.max(1, Math.ceil(open * s.part));
              const fp =
                side === 'buy'
                  ? Math.max(1, Math.floor(cur.price * s.frac))
                  : cur.price + Math.floor(cur.price * s.frac);
              truth.push({ kind: 'fill', price: fp, qty: q });
              cur = { ...cur, filled: cur.filled + q };
              continue;
            }
            settledUpTo = Math.max(settledUpTo, Math.floor(truth.length * s.seen));
            const view = settle(start, settledUpTo);
            const pending = truth.slice(settledUpTo).flatMap((t) => (t.kind === 'amend' ? [t.target] : []));
            const d = amendExtraLock(market, view, pending, {
              price: s.price === undefined ? undefined : market.formatPrice(s.price),
              qty: s.qty === undefined ? undefined : market.formatQty(s.qty),
            });
            if (d.type !== 'lock') continue; // nothing parsed to lock: forwarded as is, the engine refuses it
            const np = s.price ?? cur.price;
            const nq = s.qty ?? cur.qty;
            const ok = nq > cur.filled;
            truth.push({
              kind: 'amend',
              ok,
              price: np,
              qty: nq,
              extra: d.amount,
              target: { price: s.price ?? null, qty: s.qty ?? null },
            });
            if (ok) cur = { ...cur, price: np, qty: nq };
          }
          // 2. Settlement of the truth never finds a shortfall, and the lock always equals the need.
          const final = settle(start, truth.length);
          expect(final.locked).toBe(lockNeed(market, final));
        },
      ),
      { numRuns: 500 },
    );
  });
});

function formatMinor(amount: bigint): string {
  const s = amount.toString().padStart(7, '0');
  return `${s.slice(0, -6)}.${s.slice(-6)}`;
}
