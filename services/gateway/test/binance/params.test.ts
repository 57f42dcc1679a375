/** Binance parameter parsing, the signed string and the error mapping (pure). */
import fc from 'fast-check';
import { BinanceError, fromOurCode } from '../../src/binance/errors';
import { Params } from '../../src/binance/params';
import { totalParams } from '../../src/binance/signing';

const code = (f: () => unknown): number | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof BinanceError) return e.code;
    throw e;
  }
  return undefined;
};

describe('Params', () => {
  it('takes the query string over the body, refuses duplicates and anything an endpoint does not read', () => {
    const p = new Params('symbol=A&side=BUY', 'side=SELL&quantity=1.5');
    expect([p.str('symbol'), p.str('side'), p.decimal('quantity')]).toEqual(['A', 'BUY', '1.5']);
    expect(code(() => p.only(['symbol', 'side', 'quantity']))).toBeUndefined();
    expect(code(() => p.only(['symbol', 'side']))).toBe(-1104);
    expect(code(() => new Params('a=1&a=2', ''))).toBe(-1101);
    expect(code(() => new Params('', 'a=1&a=1'))).toBe(-1101);
    expect(code(() => new Params('quantity=-1', '').decimal('quantity'))).toBe(-1100);
    expect(code(() => new Params('quantity=1e5', '').decimal('quantity'))).toBe(-1100);
    expect(code(() => new Params('x=1', '').need('symbol'))).toBe(-1102);
    expect(code(() => Params.fromRequest('/api/v3/order', '{"a":1}', 'application/json'))).toBe(-1100);
  });

  it('accepts client order ids of 1-36 characters of [A-Za-z0-9._:/-] and nothing else', () => {
    const allowed = fc.stringMatching(/^[A-Za-z0-9._:/-]{1,36}$/);
    fc.assert(
      fc.property(allowed, (id) => {
        expect(new Params(`c=${encodeURIComponent(id)}`, '').clientOrderId('c')).toBe(id);
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (id) => {
        fc.pre(!/^[A-Za-z0-9._:/-]{1,36}$/.test(id));
        expect(code(() => new Params(`c=${encodeURIComponent(id)}`, '').clientOrderId('c'))).toBe(-1100);
      }),
    );
  });
});

describe('the signed string', () => {
  it('is the query string followed by the body, each without its signature', () => {
    expect(totalParams('symbol=A&side=BUY&signature=ab', 'quantity=1&timestamp=5')).toBe(
      'symbol=A&side=BUYquantity=1&timestamp=5',
    );
    expect(totalParams('', 'a=1&signature=cd')).toBe('a=1');
    expect(totalParams('signature=ef&a=1', '')).toBe('a=1');
  });
});

describe('our codes as Binance codes', () => {
  it.each([
    ['UNKNOWN_MARKET', '', -1121, 'Invalid symbol.'],
    ['DUPLICATE_CLIENT_ORDER_ID', '', -2010, 'Duplicate order sent.'],
    ['INSUFFICIENT_FUNDS', '', -2010, 'Account has insufficient balance for requested action.'],
    ['POST_ONLY_WOULD_TAKE', '', -2010, 'Order would immediately match and take.'],
    ['MARKET_HALTED', '', -2010, 'Market is closed.'],
    ['ORDER_NOT_FOUND', '', -2011, 'Unknown order sent.'],
    ['ORDER_NOT_OPEN', '', -2011, 'Unknown order sent.'],
    ['TOO_PRECISE', 'quantity', -1111, 'Precision is over the maximum defined for this asset.'],
    ['OFF_TICK', 'price', -1013, 'Filter failure: PRICE_FILTER'],
    ['OFF_LOT', 'quantity', -1013, 'Filter failure: LOT_SIZE'],
    ['BELOW_MIN_QTY', 'quantity', -1013, 'Filter failure: LOT_SIZE'],
    ['BELOW_MIN_NOTIONAL', 'quantity', -1013, 'Filter failure: NOTIONAL'],
    ['TOO_MANY_OPEN_ORDERS', '', -1013, 'Filter failure: MAX_NUM_ORDERS'],
  ])('%s (%s) → %d %s', (ours, field, binance, msg) => {
    expect(fromOurCode(ours, field, 'x').toBody()).toEqual({ code: binance, msg });
  });

  it('keeps an unlisted code visible in the message', () => {
    expect(fromOurCode('LEVEL_QUANTITY_OVERFLOW', '', 'too much').toBody()).toEqual({
      code: -1013,
      msg: 'too much (LEVEL_QUANTITY_OVERFLOW)',
    });
  });
});
