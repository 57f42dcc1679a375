import fc from 'fast-check';
import { compileMarket } from '@exchange/units';
import { checkTicket, type OrderTicket } from '../app/core/order-form';

const btc = compileMarket({
  symbol: 'BTCUSDT',
  base: { code: 'BTC', decimals: 8 },
  quote: { code: 'USDT', decimals: 8 },
  tickSize: '0.01',
  lotSize: '0.00001',
  minQty: '0.00001',
  minNotional: '5',
});
const coarse = compileMarket({
  ...btc.spec,
  symbol: 'COARSE',
  tickSize: '0.5',
  lotSize: '0.01',
  minQty: '0.02',
  minNotional: '0',
});
const ticket = (t: Partial<OrderTicket>): OrderTicket => ({
  side: 'buy',
  type: 'limit',
  price: '30000',
  qty: '0.01',
  tif: 'GTC',
  postOnly: false,
  ...t,
});
const codes = (r: ReturnType<typeof checkTicket>) => (r.ok ? [] : r.issues.map((i) => `${i.field}:${i.code}`));

describe('checkTicket', () => {
  test('a valid limit order becomes the exact request the API takes', () => {
    expect(checkTicket(btc, ticket({ postOnly: true }))).toEqual({
      ok: true,
      request: {
        market: 'BTCUSDT',
        side: 'buy',
        type: 'limit',
        price: '30000',
        qty: '0.01',
        tif: 'GTC',
        postOnly: true,
      },
    });
  });

  test('tick, lot and precision errors carry the units codes, never a rounded value', () => {
    expect(codes(checkTicket(btc, ticket({ price: '30000.001', qty: '0.000015' })))).toEqual([
      'price:TOO_PRECISE',
      'qty:TOO_PRECISE',
    ]);
    expect(codes(checkTicket(coarse, ticket({ price: '100.2', qty: '0.03' })))).toEqual(['price:OFF_TICK']);
    expect(codes(checkTicket(coarse, ticket({ price: '100.5', qty: '0.015' })))).toEqual(['qty:TOO_PRECISE']);
    expect(codes(checkTicket(coarse, ticket({ price: '100.5', qty: '0.01' })))).toEqual(['qty:BELOW_MIN_QTY']);
    expect(codes(checkTicket(btc, ticket({ price: '1e5' })))).toEqual(['price:EXPONENT_FORM']);
    expect(codes(checkTicket(btc, ticket({ price: '-1' })))).toEqual(['price:NEGATIVE']);
    expect(codes(checkTicket(btc, ticket({ price: '100', qty: '0.01' })))).toEqual(['qty:BELOW_MIN_NOTIONAL']);
  });

  test("the book's rules: market orders are IOC/FOK, post-only is GTC limit only, a market buy needs a protection price", () => {
    expect(codes(checkTicket(btc, ticket({ type: 'market', price: '', tif: 'GTC' })))).toEqual([
      'price:PROTECTION_PRICE_REQUIRED',
      'tif:INVALID_TIME_IN_FORCE',
    ]);
    expect(codes(checkTicket(btc, ticket({ tif: 'IOC', postOnly: true })))).toEqual(['postOnly:INVALID_ORDER']);
    const sell = checkTicket(btc, ticket({ side: 'sell', type: 'market', price: '', tif: 'IOC' }));
    expect(sell).toEqual({
      ok: true,
      request: { market: 'BTCUSDT', side: 'sell', type: 'market', qty: '0.01', tif: 'IOC' },
    });
    expect(codes(checkTicket(btc, ticket({ price: ' ', qty: '' })))).toEqual(['price:EMPTY', 'qty:EMPTY']);
  });

  test('property: whatever is typed, it is accepted exactly when the market units accept price, qty and size', () => {
    const decimal = fc.oneof(
      fc.stringMatching(/^[0-9]{1,6}(\.[0-9]{1,7})?$/),
      fc.constantFrom('', '0', '1e3', '-5', 'abc', '0.00001', '30000.00'),
    );
    fc.assert(
      fc.property(decimal, decimal, fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), (price, qty, side) => {
        const r = checkTicket(btc, ticket({ price, qty, side }));
        const p = btc.parsePrice(price);
        const q = btc.parseQty(qty);
        const expected = p.ok && q.ok && btc.checkOrderSize({ lots: q.value, ticks: p.value }) === null;
        expect(r.ok).toBe(expected);
        if (r.ok) expect(r.request).toMatchObject({ price, qty });
      }),
    );
  });
});
