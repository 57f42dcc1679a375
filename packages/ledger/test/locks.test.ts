import { lockForPlace, type FeeSchedule } from '../src';
import { market } from './fixtures';

const fees: FeeSchedule = { makerBps: 2, takerBps: 10 };
const place = (o: Partial<Parameters<typeof lockForPlace>[2]>) =>
  lockForPlace(market, fees, { side: 'buy', orderType: 'limit', ...o } as Parameters<typeof lockForPlace>[2]);

describe('lockForPlace', () => {
  it('buy limit: notional + taker fee rounded up, in quote', () => {
    // 100.00 × 0.0003 = 0.03 USDT = 30000 minor; fee ceil(30000 × 10 / 10⁴) = 30
    expect(place({ price: '100', qty: '0.0003' })).toEqual({
      type: 'lock',
      kind: 'limit',
      asset: 'USDT',
      amount: 30_030n,
      price: 10_000,
      qty: 3,
    });
    // 0.01 × 0.0001 = 1 minor unit: the fee still rounds up to a whole unit
    expect(place({ price: '0.01', qty: '0.0001' })).toMatchObject({ amount: 2n });
  });

  it('uses the higher of maker and taker rates for the fee headroom', () => {
    const d = lockForPlace(
      market,
      { makerBps: 20, takerBps: 5 },
      { side: 'buy', orderType: 'limit', price: '100', qty: '1' },
    );
    expect(d).toMatchObject({ amount: 100_000_000n + 200_000n });
  });

  it('sell: the quantity in base', () => {
    expect(place({ side: 'sell', price: '100', qty: '0.0003' })).toMatchObject({
      kind: 'base',
      asset: 'BTC',
      amount: 30_000n,
    });
    expect(place({ side: 'sell', orderType: 'market', qty: '1' })).toMatchObject({
      kind: 'base',
      amount: 100_000_000n,
    });
  });

  it('market buy by quote amount: the amount itself', () => {
    expect(place({ orderType: 'market', quoteQty: '25.5' })).toEqual({
      type: 'lock',
      kind: 'budget',
      asset: 'USDT',
      amount: 25_500_000n,
      price: null,
      qty: null,
    });
  });

  it('market buy by base qty: refused without a protection price, a limit lock with one', () => {
    expect(place({ orderType: 'market', qty: '1' })).toEqual({ type: 'refuse', reason: 'PROTECTION_PRICE_REQUIRED' });
    expect(place({ orderType: 'market', qty: '0.0003', price: '100' })).toMatchObject({
      kind: 'limit',
      amount: 30_030n,
    });
  });

  it('market sell by quote amount: the lots the net budget buys at the protection price', () => {
    expect(place({ side: 'sell', orderType: 'market', quoteQty: '10' })).toEqual({
      type: 'refuse',
      reason: 'PROTECTION_PRICE_REQUIRED',
    });
    // budget net of 10 bps: floor(10_000_000 × 10⁴ / 10010) = 9_990_009 units; at 100.00 → 999 lots
    expect(place({ side: 'sell', orderType: 'market', quoteQty: '10', price: '100' })).toMatchObject({
      kind: 'budget',
      asset: 'BTC',
      amount: 999n * 10_000n,
    });
  });

  it('stop orders lock like what they become', () => {
    expect(place({ orderType: 'stop_limit', price: '100', qty: '0.0003' })).toMatchObject({ amount: 30_030n });
    expect(place({ orderType: 'stop_market' as never, quoteQty: '5' })).toMatchObject({
      kind: 'budget',
      amount: 5_000_000n,
    });
  });

  it('locks nothing for what the engine will reject, and says why', () => {
    expect(place({ price: '100.001', qty: '1' })).toEqual({ type: 'none', code: 'TOO_PRECISE', field: 'price' });
    expect(place({ price: '100', qty: '0.00015' })).toMatchObject({ type: 'none', code: 'TOO_PRECISE' });
    expect(place({ qty: '1' })).toMatchObject({ type: 'none', code: 'INVALID_PRICE' });
    expect(place({ price: '1', quoteQty: '1' })).toMatchObject({ type: 'none', code: 'INVALID_QUANTITY' });
  });
});
