import { commandSchema, compareStreamIds } from '../src';

describe('command schema', () => {
  const place = {
    type: 'place',
    commandId: 'c1',
    market: 'BTCUSDT',
    ts: 1,
    accountId: 7,
    orderId: 42,
    side: 'buy',
    orderType: 'limit',
    price: '100.5',
    qty: '0.01',
    tif: 'GTC',
    stp: 'cancel_oldest',
  };

  it('accepts a well-formed place', () => {
    expect(commandSchema.parse(place)).toEqual(place);
  });

  it.each(['accountIdX', 'status', 'fee'])('rejects the unknown field %s instead of carrying it', (field) => {
    expect(commandSchema.safeParse({ ...place, [field]: 1 }).success).toBe(false);
  });

  it('rejects a numeric price: decimals travel as strings', () => {
    expect(commandSchema.safeParse({ ...place, price: 100.5 }).success).toBe(false);
  });

  it('rejects a client order id outside the Binance alphabet', () => {
    expect(commandSchema.safeParse({ ...place, clientOrderId: 'a b' }).success).toBe(false);
    expect(commandSchema.safeParse({ ...place, clientOrderId: 'x'.repeat(37) }).success).toBe(false);
    expect(commandSchema.safeParse({ ...place, clientOrderId: 'web-1.a_b:c/d' }).success).toBe(true);
  });
});

describe('compareStreamIds', () => {
  it('orders numerically, not lexically', () => {
    expect(compareStreamIds('999-0', '1000-0')).toBe(-1);
    expect(compareStreamIds('5-10', '5-9')).toBe(1);
    expect(compareStreamIds('5-1', '5-1')).toBe(0);
  });
});
