import type { BookEvent } from '@exchange/orderbook';
import type { Command, PlaceCommand } from '@exchange/protocol';
import { Matcher, type MarketConfig } from '../src';

const BTCUSDT: MarketConfig = {
  symbol: 'BTCUSDT',
  base: { code: 'BTC', decimals: 8 },
  quote: { code: 'USDT', decimals: 8 },
  tickSize: '0.01',
  lotSize: '0.00001',
  minQty: '0.0001',
  minNotional: '5',
  makerFeeBps: 10,
  takerFeeBps: 20,
};

let seq = 0;
const place = (over: Partial<PlaceCommand> = {}): PlaceCommand => ({
  type: 'place',
  commandId: `c${++seq}`,
  market: 'BTCUSDT',
  ts: 1_700_000_000_000,
  accountId: 1,
  orderId: 1000 + seq,
  side: 'buy',
  orderType: 'limit',
  price: '65000.01',
  qty: '0.001',
  tif: 'GTC',
  stp: 'cancel_oldest',
  ...over,
});

function rejected(events: BookEvent[]) {
  expect(events).toHaveLength(1);
  const [e] = events;
  if (e?.type !== 'rejected') throw new Error(`expected a reject, got ${JSON.stringify(e)}`);
  return e;
}

describe('Matcher: invalid commands are rejected with a stable code and change nothing', () => {
  let m: Matcher;
  let resting: PlaceCommand;
  beforeEach(() => {
    m = new Matcher([BTCUSDT]);
    resting = place({ side: 'sell', price: '65010', accountId: 2 });
    m.apply(resting);
  });

  const unchanged = (fn: () => BookEvent[]) => {
    const book = m.get('BTCUSDT')!.book;
    const before = { l3: book.l3(), seq: book.seq };
    const events = fn();
    expect(book.l3()).toEqual({ ...before.l3, seq: before.seq + events.filter((e) => e.seq > 0).length });
    return events;
  };

  it.each([
    ['unknown market', place({ market: 'ETHUSDT' }), 'UNKNOWN_MARKET', 'market'],
    ['bad precision (price)', place({ price: '65000.001' }), 'TOO_PRECISE', 'price'],
    ['bad precision (qty)', place({ qty: '0.000001' }), 'TOO_PRECISE', 'qty'],
    ['zero quantity', place({ qty: '0' }), 'ZERO', 'qty'],
    ['negative quantity', place({ qty: '-0.001' }), 'NEGATIVE', 'qty'],
    ['exponent form', place({ price: '6.5e4' }), 'EXPONENT_FORM', 'price'],
    ['below minimum quantity', place({ qty: '0.00005' }), 'BELOW_MIN_QTY', 'qty'],
    ['below minimum notional', place({ price: '1', qty: '0.001' }), 'BELOW_MIN_NOTIONAL', 'qty'],
  ])('%s', (_name, cmd, reason, field) => {
    const e = rejected(unchanged(() => m.apply(cmd).events));
    expect(e).toMatchObject({ reason, field, command: 'place' });
    // the place's own terms go with it (ADR 0006), an unknown market's (no book) included
    expect(e).toMatchObject({ side: 'buy', orderType: 'limit', tif: 'GTC', stp: 'cancel_oldest' });
  });

  it('price off tick', () => {
    const m5: MarketConfig = { ...BTCUSDT, symbol: 'BTCUSD5', tickSize: '0.05' };
    m.addMarket(m5);
    const e = rejected(m.apply(place({ market: 'BTCUSD5', price: '65000.03' })).events);
    expect(e).toMatchObject({ reason: 'OFF_TICK', field: 'price' });
  });

  it('duplicate order id', () => {
    const e = rejected(unchanged(() => m.apply({ ...place(), orderId: resting.orderId }).events));
    expect(e.reason).toBe('DUPLICATE_ORDER_ID');
  });

  it('cancel of an unknown id, and of another account’s order', () => {
    const cancel = (accountId: number, orderId: number): Command => ({
      type: 'cancel',
      commandId: `x${++seq}`,
      market: 'BTCUSDT',
      ts: 1,
      accountId,
      orderId,
    });
    expect(rejected(unchanged(() => m.apply(cancel(2, 999_999)).events)).reason).toBe('UNKNOWN_ORDER');
    const owned = resting.orderId;
    expect(rejected(unchanged(() => m.apply(cancel(1, owned)).events)).reason).toBe('UNKNOWN_ORDER');
  });

  it('a lock refused by the balance manager becomes the command’s recorded outcome', () => {
    const e = rejected(unchanged(() => m.apply(place(), 'INSUFFICIENT_FUNDS').events));
    expect(e).toMatchObject({ reason: 'INSUFFICIENT_FUNDS', command: 'place' });
  });
});

describe('Matcher: conversion', () => {
  it('turns decimals into ticks and lots and trades in them', () => {
    const m = new Matcher([BTCUSDT]);
    m.apply(place({ side: 'sell', price: '65000.5', qty: '0.002', accountId: 2 }));
    const { events } = m.apply(place({ price: '65001', qty: '0.0015' }));
    const trade = events.find((e) => e.type === 'trade');
    expect(trade).toMatchObject({ price: 6_500_050, qty: 150 });
    const market = m.get('BTCUSDT')!.market;
    expect(market.formatPrice(6_500_050)).toBe('65000.5');
  });

  it('budgets a quote-sized market buy net of the maximum taker fee', () => {
    const m = new Matcher([BTCUSDT]);
    m.apply(place({ side: 'sell', price: '10', qty: '100', accountId: 2 }));
    // 100.2 USDT at 20 bps buys exactly 100 USDT of notional, leaving 0.2 for the fee.
    const { events } = m.apply(
      place({ orderType: 'market', price: undefined, qty: undefined, quoteQty: '100.2', tif: 'IOC' }),
    );
    const trade = events.find((e) => e.type === 'trade');
    expect(trade).toMatchObject({ price: 1000, qty: 1_000_000 });
  });
});
