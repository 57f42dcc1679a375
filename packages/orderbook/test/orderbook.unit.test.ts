/**
 * One unit test per order-book rule. Every test runs against the real OrderBook and against the
 * naive ReferenceBook (so the oracle of the differential test is itself pinned down); a few
 * implementation-only details (exact event interleaving with level events, snapshots) follow at
 * the end.
 */
import { OrderBook } from '../src';
import type {
  AmendOrder,
  BookConfig,
  BookEvent,
  BookEventOf,
  BookEventType,
  CancelOrder,
  L1View,
  PlaceOrder,
  Side,
} from '../src';
import { ReferenceBook } from './reference-book';
import type { Engine } from './harness';

type Book = Engine & { l1(): L1View };
type Make = (cfg?: Partial<BookConfig>) => Book;

const engines: [string, Make][] = [
  ['OrderBook', (cfg) => new OrderBook({ symbol: 'BTCUSDT', ...cfg })],
  ['ReferenceBook', (cfg) => new ReferenceBook({ symbol: 'BTCUSDT', ...cfg })],
];

// ---- command builders -----------------------------------------------------------------------------

let ts = 0;
const limit = (
  orderId: number,
  accountId: number,
  side: Side,
  price: number,
  qty: number,
  extra: Partial<PlaceOrder> = {},
): PlaceOrder => ({
  type: 'place',
  ts: ++ts,
  orderId,
  accountId,
  side,
  orderType: 'limit',
  price,
  qty,
  tif: 'GTC',
  stp: 'none',
  ...extra,
});
const market = (
  orderId: number,
  accountId: number,
  side: Side,
  size: { qty: number } | { quoteQty: number },
  extra: Partial<PlaceOrder> = {},
): PlaceOrder => ({
  type: 'place',
  ts: ++ts,
  orderId,
  accountId,
  side,
  orderType: 'market',
  tif: 'IOC',
  stp: 'none',
  ...size,
  ...extra,
});
const stopLimit = (
  orderId: number,
  accountId: number,
  side: Side,
  stopPrice: number,
  price: number,
  qty: number,
  extra: Partial<PlaceOrder> = {},
): PlaceOrder => ({
  type: 'place',
  ts: ++ts,
  orderId,
  accountId,
  side,
  orderType: 'stop_limit',
  stopPrice,
  price,
  qty,
  tif: 'GTC',
  stp: 'none',
  ...extra,
});
const stopMarket = (
  orderId: number,
  accountId: number,
  side: Side,
  stopPrice: number,
  size: number | { quoteQty: number },
  extra: Partial<PlaceOrder> = {},
): PlaceOrder => ({
  type: 'place',
  ts: ++ts,
  orderId,
  accountId,
  side,
  orderType: 'stop_market',
  stopPrice,
  ...(typeof size === 'number' ? { qty: size } : size),
  tif: 'IOC',
  stp: 'none',
  ...extra,
});
const cancel = (accountId: number, ref: { orderId: number } | { clientOrderId: string }): CancelOrder => ({
  type: 'cancel',
  ts: ++ts,
  accountId,
  ...ref,
});
const amend = (
  accountId: number,
  ref: { orderId: number } | { clientOrderId: string },
  change: { price?: number; qty?: number },
): AmendOrder => ({ type: 'amend', ts: ++ts, accountId, ...ref, ...change });

// ---- event helpers --------------------------------------------------------------------------------

const ofType = <T extends BookEventType>(events: BookEvent[], type: T): BookEventOf<T>[] =>
  events.filter((e): e is BookEventOf<T> => e.type === type);

/** [maker, taker, price, qty] per trade, in order. */
const trades = (events: BookEvent[]) =>
  ofType(events, 'trade').map((t) => [t.makerOrderId, t.takerOrderId, t.price, t.qty]);

/** A compact story of the non-level events, in order. */
const story = (events: BookEvent[]): string[] =>
  events.flatMap((e): string[] => {
    switch (e.type) {
      case 'accepted':
        return [`accepted ${e.orderId}`];
      case 'rejected':
        return [`rejected ${e.reason}`];
      case 'trade':
        return [`trade ${e.makerOrderId}>${e.takerOrderId} ${e.qty}@${e.price}`];
      case 'canceled':
        return [`canceled ${e.orderId} ${e.reason} ${e.qty}${e.quoteQty !== undefined ? ` quote ${e.quoteQty}` : ''}`];
      case 'done':
        return [`done ${e.orderId} ${e.reason} ${e.filled}`];
      case 'amended':
        return [`amended ${e.orderId} ${e.price} ${e.qty}/${e.remaining} ${e.keptPriority ? 'kept' : 'lost'}`];
      case 'triggered':
        return [`triggered ${e.orderId} ${e.stopPrice}/${e.lastPrice}`];
      case 'halted':
      case 'resumed':
        return [e.type];
      case 'level':
        return [];
    }
  });

/** The last level event per side:price of a call, as [qty, count]. */
const levels = (events: BookEvent[]) => {
  const out: Record<string, [number, number]> = {};
  for (const e of ofType(events, 'level')) out[`${e.side}:${e.price}`] = [e.qty, e.count];
  return out;
};

const rejection = (events: BookEvent[]) => {
  expect(events).toHaveLength(1);
  const e = events[0]!;
  if (e.type !== 'rejected') throw new Error(`expected a reject, got ${JSON.stringify(events)}`);
  return { reason: e.reason, field: e.field };
};

const run = (book: Book, ...cmds: Parameters<Book['apply']>[0][]) => cmds.flatMap((c) => book.apply(c));
const ids = (book: Book, side: 'bids' | 'asks') => book.l3()[side].map((o) => o.orderId);
const asks = (book: Book) => book.l2().asks.map((l) => [l.price, l.qty, l.count]);
const bids = (book: Book) => book.l2().bids.map((l) => [l.price, l.qty, l.count]);

describe.each(engines)('%s', (_name, make) => {
  // ---- validation ---------------------------------------------------------------------------------

  describe('validation', () => {
    const base = () => limit(1, 1, 'buy', 100, 5);
    const without = <K extends keyof PlaceOrder>(cmd: PlaceOrder, key: K): PlaceOrder => {
      const c = { ...cmd };
      delete c[key];
      return c;
    };
    const mkt = () => without(market(1, 1, 'buy', { qty: 5 }), 'price');
    const cases: [string, () => PlaceOrder, string, string | undefined][] = [
      ['qty 0', () => ({ ...base(), qty: 0 }), 'INVALID_QUANTITY', 'qty'],
      ['negative qty', () => ({ ...base(), qty: -1 }), 'INVALID_QUANTITY', 'qty'],
      ['fractional qty', () => ({ ...base(), qty: 1.5 }), 'INVALID_QUANTITY', 'qty'],
      ['unsafe qty', () => ({ ...base(), qty: 2 ** 53 }), 'INVALID_QUANTITY', 'qty'],
      ['NaN qty', () => ({ ...base(), qty: NaN }), 'INVALID_QUANTITY', 'qty'],
      ['no qty and no quoteQty', () => without(base(), 'qty'), 'INVALID_QUANTITY', 'qty'],
      ['price 0', () => ({ ...base(), price: 0 }), 'INVALID_PRICE', 'price'],
      ['fractional price', () => ({ ...base(), price: 100.5 }), 'INVALID_PRICE', 'price'],
      ['limit without price', () => without(base(), 'price'), 'INVALID_PRICE', 'price'],
      ['market protection price 0', () => ({ ...mkt(), price: 0 }), 'INVALID_PRICE', 'price'],
      [
        'stop_limit without stopPrice',
        () => without(stopLimit(1, 1, 'buy', 100, 100, 5), 'stopPrice'),
        'INVALID_PRICE',
        'stopPrice',
      ],
      [
        'stop_market without stopPrice',
        () => without(stopMarket(1, 1, 'buy', 100, 5), 'stopPrice'),
        'INVALID_PRICE',
        'stopPrice',
      ],
      ['stopPrice 0', () => stopLimit(1, 1, 'buy', 0, 100, 5), 'INVALID_PRICE', 'stopPrice'],
      [
        'stop_limit without price',
        () => without(stopLimit(1, 1, 'buy', 100, 100, 5), 'price'),
        'INVALID_PRICE',
        'price',
      ],
      ['quoteQty 0', () => without({ ...mkt(), quoteQty: 0 }, 'qty'), 'INVALID_QUANTITY', 'quoteQty'],
      ['fractional quoteQty', () => without({ ...mkt(), quoteQty: 2.5 }, 'qty'), 'INVALID_QUANTITY', 'quoteQty'],
      ['quoteQty on a limit', () => without({ ...base(), quoteQty: 500 }, 'qty'), 'INVALID_QUANTITY', 'quoteQty'],
      ['both qty and quoteQty', () => ({ ...mkt(), quoteQty: 500 }), 'INVALID_QUANTITY', 'quoteQty'],
      ['market GTC', () => ({ ...mkt(), tif: 'GTC' }), 'INVALID_TIME_IN_FORCE', 'tif'],
      ['stop_market GTC', () => ({ ...stopMarket(1, 1, 'buy', 100, 5), tif: 'GTC' }), 'INVALID_TIME_IN_FORCE', 'tif'],
      ['displayQty 0', () => ({ ...base(), displayQty: 0 }), 'INVALID_QUANTITY', 'displayQty'],
      ['fractional displayQty', () => ({ ...base(), displayQty: 1.5 }), 'INVALID_QUANTITY', 'displayQty'],
      ['displayQty = qty', () => ({ ...base(), displayQty: 5 }), 'INVALID_ORDER', 'displayQty'],
      ['displayQty > qty', () => ({ ...base(), displayQty: 6 }), 'INVALID_ORDER', 'displayQty'],
      ['displayQty on IOC', () => ({ ...base(), tif: 'IOC', displayQty: 2 }), 'INVALID_ORDER', 'displayQty'],
      ['displayQty on a market order', () => ({ ...mkt(), displayQty: 2 }), 'INVALID_ORDER', 'displayQty'],
      [
        'displayQty on a stop_limit',
        () => stopLimit(1, 1, 'buy', 100, 100, 5, { displayQty: 2 }),
        'INVALID_ORDER',
        'displayQty',
      ],
      ['postOnly IOC', () => ({ ...base(), tif: 'IOC', postOnly: true }), 'INVALID_ORDER', 'postOnly'],
      ['postOnly FOK', () => ({ ...base(), tif: 'FOK', postOnly: true }), 'INVALID_ORDER', 'postOnly'],
      ['postOnly market', () => ({ ...mkt(), postOnly: true }), 'INVALID_ORDER', 'postOnly'],
      ['postOnly stop_market', () => stopMarket(1, 1, 'buy', 100, 5, { postOnly: true }), 'INVALID_ORDER', 'postOnly'],
      ['orderId 0', () => ({ ...base(), orderId: 0 }), 'INVALID_ORDER_ID', 'orderId'],
      ['negative orderId', () => ({ ...base(), orderId: -4 }), 'INVALID_ORDER_ID', 'orderId'],
      ['fractional orderId', () => ({ ...base(), orderId: 1.5 }), 'INVALID_ORDER_ID', 'orderId'],
      ['unsafe orderId', () => ({ ...base(), orderId: 2 ** 53 }), 'INVALID_ORDER_ID', 'orderId'],
    ];

    it.each(cases)('rejects %s', (_what, cmd, reason, field) => {
      const book = make();
      const events = book.apply(cmd());
      expect(rejection(events)).toEqual({ reason, field });
      expect(events[0]!.seq).toBe(1);
      expect(book.seq).toBe(1);
      expect(book.l2()).toEqual({ seq: 1, bids: [], asks: [] });
    });

    it('a reject names the order, consumes one seq and changes nothing else', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 101, 5), limit(2, 2, 'buy', 99, 5));
      const before = book.l3();
      const events = book.apply({ ...limit(3, 7, 'buy', 100, 0), clientOrderId: 'x' });
      expect(events).toEqual([
        expect.objectContaining({
          type: 'rejected',
          seq: before.seq + 1,
          command: 'place',
          reason: 'INVALID_QUANTITY',
          orderId: 3,
          accountId: 7,
          clientOrderId: 'x',
        }),
      ]);
      expect(book.l3()).toEqual({ ...before, seq: before.seq + 1 });
    });

    it('a rejected place carries its own terms, each only when well-typed (ADR 0006)', () => {
      const book = make();
      const [postOnly] = book.apply(limit(1, 7, 'sell', 100, 0, { postOnly: true, tif: 'GTC' }));
      expect(postOnly).toEqual(
        expect.objectContaining({ side: 'sell', orderType: 'limit', tif: 'GTC', postOnly: true, stp: 'none' }),
      );
      const [malformed] = book.apply({
        ...limit(2, 7, 'buy', 100, 1),
        side: 'up' as Side,
        tif: 7 as unknown as PlaceOrder['tif'],
        postOnly: 'yes' as unknown as boolean,
      });
      expect(malformed).toEqual(
        expect.objectContaining({ type: 'rejected', reason: 'INVALID_ORDER', field: 'side', orderType: 'limit' }),
      );
      for (const term of ['side', 'tif', 'postOnly']) expect(malformed).not.toHaveProperty(term);
      // other commands carry none
      const [cancel] = book.apply({ type: 'cancel', ts: ++ts, accountId: 7, orderId: 99 });
      expect(cancel).toMatchObject({ type: 'rejected', command: 'cancel' });
      for (const term of ['side', 'orderType', 'tif', 'postOnly', 'stp']) expect(cancel).not.toHaveProperty(term);
    });

    it('order ids must strictly increase: equal or lower than the last accepted is DUPLICATE_ORDER_ID', () => {
      const book = make();
      expect(story(book.apply(limit(5, 1, 'buy', 100, 1)))).toEqual(['accepted 5']);
      expect(rejection(book.apply(limit(5, 2, 'buy', 99, 1)))).toEqual({
        reason: 'DUPLICATE_ORDER_ID',
        field: 'orderId',
      });
      expect(rejection(book.apply(limit(3, 2, 'buy', 99, 1))).reason).toBe('DUPLICATE_ORDER_ID');
      run(book, cancel(1, { orderId: 5 }));
      // closed ids stay used
      expect(rejection(book.apply(limit(5, 1, 'buy', 100, 1))).reason).toBe('DUPLICATE_ORDER_ID');
      expect(story(book.apply(limit(6, 1, 'buy', 100, 1)))).toEqual(['accepted 6']);
    });

    it('a rejected order does not use up its id', () => {
      const book = make();
      expect(rejection(book.apply(limit(9, 1, 'buy', 100, 0))).reason).toBe('INVALID_QUANTITY');
      expect(story(book.apply(limit(9, 1, 'buy', 100, 1)))).toEqual(['accepted 9']);
    });

    it('clientOrderId must be unique among the account’s open orders', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 99, 1, { clientOrderId: 'a' }));
      expect(rejection(book.apply(limit(2, 1, 'buy', 98, 1, { clientOrderId: 'a' })))).toEqual({
        reason: 'DUPLICATE_CLIENT_ORDER_ID',
        field: 'clientOrderId',
      });
      // also for an order that would never rest
      expect(rejection(book.apply(market(3, 1, 'sell', { qty: 1 }, { clientOrderId: 'a' }))).reason).toBe(
        'DUPLICATE_CLIENT_ORDER_ID',
      );
      // another account may use it
      expect(story(book.apply(limit(4, 2, 'buy', 98, 1, { clientOrderId: 'a' })))).toEqual(['accepted 4']);
      // once closed, it is free again
      run(book, cancel(1, { clientOrderId: 'a' }));
      expect(story(book.apply(limit(5, 1, 'buy', 98, 1, { clientOrderId: 'a' })))).toEqual(['accepted 5']);
    });

    it('maxOpenOrdersPerAccount counts resting orders and stops, per account', () => {
      const book = make({ maxOpenOrdersPerAccount: 2 });
      run(book, limit(1, 1, 'buy', 99, 1), stopLimit(2, 1, 'buy', 105, 105, 1));
      expect(rejection(book.apply(limit(3, 1, 'buy', 98, 1)))).toEqual({
        reason: 'TOO_MANY_OPEN_ORDERS',
        field: undefined,
      });
      expect(rejection(book.apply(stopMarket(4, 1, 'sell', 90, 1))).reason).toBe('TOO_MANY_OPEN_ORDERS');
      // an order that cannot rest is not counted against the cap
      expect(story(book.apply(limit(5, 1, 'sell', 120, 1, { tif: 'IOC' })))).toEqual([
        'accepted 5',
        'canceled 5 ioc 1',
        'done 5 canceled 0',
      ]);
      // other accounts are not affected
      expect(story(book.apply(limit(6, 2, 'buy', 98, 1)))).toEqual(['accepted 6']);
      run(book, cancel(1, { orderId: 1 }));
      expect(story(book.apply(limit(7, 1, 'buy', 98, 1)))).toEqual(['accepted 7']);
    });

    it('rejects a resting quantity that would overflow the level total', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, Number.MAX_SAFE_INTEGER - 5));
      expect(rejection(book.apply(limit(2, 2, 'buy', 100, 10))).reason).toBe('LEVEL_QUANTITY_OVERFLOW');
      expect(story(book.apply(limit(3, 2, 'buy', 100, 5)))).toEqual(['accepted 3']);
    });
  });

  // ---- matching -----------------------------------------------------------------------------------

  describe('limit matching', () => {
    it('fills FIFO within a level at the maker’s price; fully filled makers are done', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 3), limit(2, 2, 'sell', 100, 4), limit(3, 3, 'sell', 100, 5));
      const events = book.apply(limit(4, 4, 'buy', 101, 9));
      expect(story(events)).toEqual([
        'accepted 4',
        'trade 1>4 3@100',
        'done 1 filled 3',
        'trade 2>4 4@100',
        'done 2 filled 4',
        'trade 3>4 2@100',
        'done 4 filled 9',
      ]);
      expect(levels(events)).toEqual({ 'sell:100': [3, 1] });
      expect(book.order(3)).toMatchObject({ remaining: 3, filled: 2, visible: 3 });
      expect(book.order(1)).toBeUndefined();
    });

    it('takes better prices first and every trade is at the maker’s price', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 101, 5), limit(2, 2, 'sell', 100, 2), limit(3, 1, 'sell', 103, 1));
      const events = book.apply(limit(4, 3, 'buy', 102, 6));
      expect(trades(events)).toEqual([
        [2, 4, 100, 2],
        [1, 4, 101, 4],
      ]);
      expect(ofType(events, 'trade').every((t) => t.aggressor === 'buy')).toBe(true);
      expect(asks(book)).toEqual([
        [101, 1, 1],
        [103, 1, 1],
      ]);
      expect(levels(events)).toEqual({ 'sell:100': [0, 0], 'sell:101': [1, 1] });
    });

    it('a sell takes the highest bids first', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 99, 5), limit(2, 2, 'buy', 100, 2));
      expect(trades(book.apply(limit(3, 3, 'sell', 98, 4)))).toEqual([
        [2, 3, 100, 2],
        [1, 3, 99, 2],
      ]);
    });

    it('does not trade when prices do not cross', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 101, 5));
      const events = book.apply(limit(2, 2, 'buy', 100, 5));
      expect(story(events)).toEqual(['accepted 2']);
      expect(levels(events)).toEqual({ 'buy:100': [5, 1] });
    });

    it('a partially filled GTC rests the rest at its own price', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 4));
      const events = book.apply(limit(2, 2, 'buy', 101, 10));
      expect(story(events)).toEqual(['accepted 2', 'trade 1>2 4@100', 'done 1 filled 4']);
      expect(levels(events)).toEqual({ 'sell:100': [0, 0], 'buy:101': [6, 1] });
      expect(book.l1()).toEqual({ seq: book.seq, bid: { price: 101, qty: 6, count: 1 } });
      expect(book.order(2)).toMatchObject({ qty: 10, remaining: 6, filled: 4, visible: 6, price: 101 });
    });

    it('IOC: the unfilled rest is canceled with reason ioc', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 2), limit(2, 1, 'sell', 101, 2));
      const events = book.apply(limit(3, 2, 'buy', 101, 10, { tif: 'IOC' }));
      expect(story(events)).toEqual([
        'accepted 3',
        'trade 1>3 2@100',
        'done 1 filled 2',
        'trade 2>3 2@101',
        'done 2 filled 2',
        'canceled 3 ioc 6',
        'done 3 canceled 4',
      ]);
      expect(book.l2()).toEqual({ seq: book.seq, bids: [], asks: [] });
    });

    it('IOC fully filled is done filled without a cancel', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 9));
      expect(story(book.apply(limit(2, 2, 'buy', 100, 5, { tif: 'IOC' })))).toEqual([
        'accepted 2',
        'trade 1>2 5@100',
        'done 2 filled 5',
      ]);
    });

    it('FOK that cannot fill completely is killed: accepted, canceled fok (full qty), done; no trades', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 3), limit(2, 1, 'sell', 102, 5));
      const before = book.l3();
      const events = book.apply(limit(3, 2, 'buy', 101, 5, { tif: 'FOK' }));
      expect(story(events)).toEqual(['accepted 3', 'canceled 3 fok 5', 'done 3 canceled 0']);
      expect(levels(events)).toEqual({});
      expect(book.l3()).toEqual({ ...before, seq: book.seq });
    });

    it('FOK that can fill takes several levels', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 3), limit(2, 1, 'sell', 101, 3));
      expect(story(book.apply(limit(3, 2, 'buy', 101, 5, { tif: 'FOK' })))).toEqual([
        'accepted 3',
        'trade 1>3 3@100',
        'done 1 filled 3',
        'trade 2>3 2@101',
        'done 3 filled 5',
      ]);
    });

    it('FOK counts hidden iceberg quantity', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 10, { displayQty: 2 }));
      expect(trades(book.apply(limit(2, 2, 'buy', 100, 7, { tif: 'FOK' })))).toEqual([
        [1, 2, 100, 2],
        [1, 2, 100, 2],
        [1, 2, 100, 2],
        [1, 2, 100, 1],
      ]);
    });

    it('FOK counts own liquidity with STP none but not with cancel_newest', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 5));
      expect(story(book.apply(limit(2, 1, 'buy', 100, 5, { tif: 'FOK', stp: 'cancel_newest' })))).toEqual([
        'accepted 2',
        'canceled 2 fok 5',
        'done 2 canceled 0',
      ]);
      expect(trades(book.apply(limit(3, 1, 'buy', 100, 5, { tif: 'FOK', stp: 'none' })))).toEqual([[1, 3, 100, 5]]);
    });

    it('FOK is all-or-nothing even when an iceberg refill queues behind the taker’s own order (regression)', () => {
      // Iceberg 1 shows 2 of 10; after its first slice is taken it refills behind order 2, which
      // belongs to the taker's account: with cancel_newest the taker would stop after 2 lots, so the
      // FOK cannot fill completely and must be killed untouched.
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 10, { displayQty: 2 }), limit(2, 2, 'sell', 100, 5));
      const events = book.apply(limit(3, 2, 'buy', 100, 10, { tif: 'FOK', stp: 'cancel_newest' }));
      expect(trades(events)).toEqual([]);
      expect(story(events)).toEqual(['accepted 3', 'canceled 3 fok 10', 'done 3 canceled 0']);
    });
  });

  describe('post-only', () => {
    it('rejects POST_ONLY_WOULD_TAKE when it would cross, without being accepted', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 99, 5), limit(2, 1, 'sell', 101, 5));
      expect(rejection(book.apply(limit(3, 2, 'sell', 99, 1, { postOnly: true }))).reason).toBe('POST_ONLY_WOULD_TAKE');
      expect(rejection(book.apply(limit(4, 2, 'buy', 102, 1, { postOnly: true }))).reason).toBe('POST_ONLY_WOULD_TAKE');
      expect(ids(book, 'bids')).toEqual([1]);
      expect(ids(book, 'asks')).toEqual([2]);
    });

    it('rests when it would not cross', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 99, 5));
      const events = book.apply(limit(2, 2, 'sell', 100, 3, { postOnly: true }));
      expect(story(events)).toEqual(['accepted 2']);
      expect(levels(events)).toEqual({ 'sell:100': [3, 1] });
      expect(book.order(2)).toMatchObject({ postOnly: true, remaining: 3 });
    });

    it('is refused on a stop_limit: only plain GTC limits can be post-only', () => {
      const book = make();
      expect(story(book.apply(stopLimit(1, 1, 'buy', 105, 104, 1, { postOnly: true })))).toEqual([
        'rejected INVALID_ORDER',
      ]);
    });
  });

  describe('market orders', () => {
    it('by qty: sweeps levels, done filled', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 2), limit(2, 1, 'sell', 101, 3), limit(3, 1, 'sell', 103, 5));
      const events = book.apply(market(4, 2, 'buy', { qty: 4 }));
      expect(story(events)).toEqual([
        'accepted 4',
        'trade 1>4 2@100',
        'done 1 filled 2',
        'trade 2>4 2@101',
        'done 4 filled 4',
      ]);
      expect(asks(book)).toEqual([
        [101, 1, 1],
        [103, 5, 1],
      ]);
    });

    it('by qty: the unfilled rest is canceled ioc', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 2));
      expect(story(book.apply(market(2, 2, 'sell', { qty: 5 })))).toEqual([
        'accepted 2',
        'trade 1>2 2@100',
        'done 1 filled 2',
        'canceled 2 ioc 3',
        'done 2 canceled 2',
      ]);
    });

    it('into an empty book: canceled ioc for the full qty', () => {
      const book = make();
      expect(story(book.apply(market(1, 1, 'buy', { qty: 4 })))).toEqual([
        'accepted 1',
        'canceled 1 ioc 4',
        'done 1 canceled 0',
      ]);
    });

    it('a protection price stops the sweep', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 2), limit(2, 1, 'sell', 101, 3), limit(3, 1, 'sell', 102, 5));
      const events = book.apply(market(4, 2, 'buy', { qty: 10 }, { price: 101 }));
      expect(trades(events)).toEqual([
        [1, 4, 100, 2],
        [2, 4, 101, 3],
      ]);
      expect(story(events).slice(-2)).toEqual(['canceled 4 ioc 5', 'done 4 canceled 5']);
      expect(asks(book)).toEqual([[102, 5, 1]]);
      const sell = make();
      run(sell, limit(1, 1, 'buy', 100, 2), limit(2, 1, 'buy', 99, 3));
      expect(trades(sell.apply(market(3, 2, 'sell', { qty: 10 }, { price: 100 })))).toEqual([[1, 3, 100, 2]]);
    });

    it('by quote budget: buys floor(budget / price) lots per level; the unspent budget is canceled', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 2), limit(2, 1, 'sell', 101, 5));
      const events = book.apply(market(3, 2, 'buy', { quoteQty: 450 }));
      // 2 lots at 100 (200), then floor(250 / 101) = 2 lots at 101 (202): 48 left, not enough for a lot
      expect(story(events)).toEqual([
        'accepted 3',
        'trade 1>3 2@100',
        'done 1 filled 2',
        'trade 2>3 2@101',
        'canceled 3 ioc 0 quote 48',
        'done 3 canceled 4',
      ]);
      expect(book.order(2)).toMatchObject({ remaining: 3 });
    });

    it('by quote budget, spent exactly: done filled', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 5));
      expect(story(book.apply(market(2, 2, 'buy', { quoteQty: 300 })))).toEqual([
        'accepted 2',
        'trade 1>2 3@100',
        'done 2 filled 3',
      ]);
    });

    it('a quote budget below the best price trades nothing', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 5));
      expect(story(book.apply(market(2, 2, 'buy', { quoteQty: 99 })))).toEqual([
        'accepted 2',
        'canceled 2 ioc 0 quote 99',
        'done 2 canceled 0',
      ]);
    });

    it('a sell by quote budget sells floor(budget / price) lots per level', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 2), limit(2, 1, 'buy', 99, 5));
      expect(story(book.apply(market(3, 2, 'sell', { quoteQty: 400 })))).toEqual([
        'accepted 3',
        'trade 1>3 2@100',
        'done 1 filled 2',
        'trade 2>3 2@99',
        'canceled 3 ioc 0 quote 2',
        'done 3 canceled 4',
      ]);
    });

    it('market FOK by qty', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 3));
      expect(story(book.apply(market(2, 2, 'buy', { qty: 5 }, { tif: 'FOK' })))).toEqual([
        'accepted 2',
        'canceled 2 fok 5',
        'done 2 canceled 0',
      ]);
      expect(trades(book.apply(market(3, 2, 'buy', { qty: 3 }, { tif: 'FOK' })))).toEqual([[1, 3, 100, 3]]);
    });

    it('a quote-sized FOK is rejected (all-or-nothing of a budget is not defined)', () => {
      const book = make();
      expect(rejection(book.apply(market(1, 1, 'buy', { quoteQty: 500 }, { tif: 'FOK' }))).reason).toBe(
        'INVALID_TIME_IN_FORCE',
      );
    });
  });

  // ---- cancel ---------------------------------------------------------------------------------------

  describe('cancel', () => {
    it('by orderId: canceled user with the open qty, done, level update', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 5), limit(2, 2, 'sell', 100, 2));
      const events = book.apply(cancel(1, { orderId: 1 }));
      expect(story(events)).toEqual(['canceled 1 user 3', 'done 1 canceled 2']);
      expect(levels(events)).toEqual({ 'buy:100': [0, 0] });
      expect(book.order(1)).toBeUndefined();
    });

    it('by clientOrderId, within the account', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 5, { clientOrderId: 'x' }), limit(2, 2, 'buy', 99, 5, { clientOrderId: 'x' }));
      expect(story(book.apply(cancel(2, { clientOrderId: 'x' })))).toEqual(['canceled 2 user 5', 'done 2 canceled 0']);
      expect(ids(book, 'bids')).toEqual([1]);
    });

    it('another account’s order, an unknown id or a closed order is UNKNOWN_ORDER', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 5, { clientOrderId: 'x' }), limit(2, 2, 'sell', 101, 1));
      expect(rejection(book.apply(cancel(2, { orderId: 1 }))).reason).toBe('UNKNOWN_ORDER');
      expect(rejection(book.apply(cancel(2, { clientOrderId: 'x' }))).reason).toBe('UNKNOWN_ORDER');
      expect(rejection(book.apply(cancel(1, { orderId: 77 }))).reason).toBe('UNKNOWN_ORDER');
      run(book, limit(3, 1, 'buy', 101, 1));
      expect(rejection(book.apply(cancel(2, { orderId: 2 }))).reason).toBe('UNKNOWN_ORDER');
      expect(book.apply(cancel(2, { orderId: 1 }))[0]).toMatchObject({
        type: 'rejected',
        command: 'cancel',
        orderId: 1,
        accountId: 2,
      });
      expect(ids(book, 'bids')).toEqual([1]);
    });

    it('a pending stop can be canceled', () => {
      const book = make();
      run(book, stopLimit(1, 1, 'buy', 105, 106, 2));
      const events = book.apply(cancel(1, { orderId: 1 }));
      expect(story(events)).toEqual(['canceled 1 user 2', 'done 1 canceled 0']);
      expect(levels(events)).toEqual({});
      expect(book.order(1)).toBeUndefined();
    });

    it('an iceberg cancel removes its hidden part too', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 10, { displayQty: 3 }), limit(2, 2, 'buy', 100, 4));
      expect(story(book.apply(cancel(1, { orderId: 1 })))).toEqual(['canceled 1 user 6', 'done 1 canceled 4']);
    });

    it('cancel_all cancels the account’s resting orders and stops in acceptance order', () => {
      const book = make();
      run(
        book,
        limit(1, 1, 'buy', 99, 1),
        limit(2, 2, 'buy', 99, 1),
        stopMarket(3, 1, 'sell', 90, 1),
        limit(4, 1, 'sell', 105, 2),
        limit(5, 1, 'buy', 100, 3),
      );
      const events = book.apply({ type: 'cancel_all', ts: ++ts, accountId: 1 });
      expect(story(events)).toEqual([
        'canceled 1 cancel_all 1',
        'done 1 canceled 0',
        'canceled 3 cancel_all 1',
        'done 3 canceled 0',
        'canceled 4 cancel_all 2',
        'done 4 canceled 0',
        'canceled 5 cancel_all 3',
        'done 5 canceled 0',
      ]);
      expect(levels(events)).toEqual({ 'buy:99': [1, 1], 'sell:105': [0, 0], 'buy:100': [0, 0] });
      expect(ids(book, 'bids')).toEqual([2]);
    });

    it('cancel_all with nothing open is rejected NO_OPEN_ORDERS and changes nothing else', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 99, 1));
      const events = book.apply({ type: 'cancel_all', ts: ++ts, accountId: 3 });
      expect(events).toEqual([expect.objectContaining({ type: 'rejected', command: 'cancel_all', accountId: 3 })]);
      expect(rejection(events).reason).toBe('NO_OPEN_ORDERS');
      expect(ids(book, 'bids')).toEqual([1]);
    });
  });

  // ---- amend ----------------------------------------------------------------------------------------

  describe('amend', () => {
    const twoBids = () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 5), limit(2, 2, 'buy', 100, 5));
      return book;
    };

    it('a smaller qty at the same price keeps priority', () => {
      const book = twoBids();
      const events = book.apply(amend(1, { orderId: 1 }, { qty: 3 }));
      expect(story(events)).toEqual(['amended 1 100 3/3 kept']);
      expect(levels(events)).toEqual({ 'buy:100': [8, 2] });
      expect(ids(book, 'bids')).toEqual([1, 2]);
      expect(trades(book.apply(limit(3, 3, 'sell', 100, 4)))).toEqual([
        [1, 3, 100, 3],
        [2, 3, 100, 1],
      ]);
    });

    it('a larger qty loses priority', () => {
      const book = twoBids();
      expect(story(book.apply(amend(1, { orderId: 1 }, { qty: 8 })))).toEqual(['amended 1 100 8/8 lost']);
      expect(ids(book, 'bids')).toEqual([2, 1]);
      expect(bids(book)).toEqual([[100, 13, 2]]);
      expect(trades(book.apply(limit(3, 3, 'sell', 100, 6)))).toEqual([
        [2, 3, 100, 5],
        [1, 3, 100, 1],
      ]);
    });

    it('a new price loses priority', () => {
      const book = twoBids();
      run(book, amend(1, { orderId: 1 }, { price: 99 }), amend(1, { orderId: 1 }, { price: 100 }));
      expect(ids(book, 'bids')).toEqual([2, 1]);
      expect(book.order(1)).toMatchObject({ price: 100, qty: 5, remaining: 5 });
    });

    it('a new crossing price trades as a taker, then rests', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 99, 5), limit(2, 2, 'sell', 101, 3));
      const events = book.apply(amend(1, { orderId: 1 }, { price: 101 }));
      expect(story(events)).toEqual(['amended 1 101 5/5 lost', 'trade 2>1 3@101', 'done 2 filled 3']);
      expect(ofType(events, 'trade')[0]).toMatchObject({ aggressor: 'buy', takerOrderId: 1 });
      expect(levels(events)).toEqual({ 'buy:99': [0, 0], 'sell:101': [0, 0], 'buy:101': [2, 1] });
      expect(book.order(1)).toMatchObject({ price: 101, remaining: 2, filled: 3 });
    });

    it('qty is the new total: it must stay above the filled qty', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 10), limit(2, 2, 'sell', 100, 4));
      expect(story(book.apply(amend(1, { orderId: 1 }, { qty: 6 })))).toEqual(['amended 1 100 6/2 kept']);
      expect(book.order(1)).toMatchObject({ qty: 6, filled: 4, remaining: 2, visible: 2 });
      expect(rejection(book.apply(amend(1, { orderId: 1 }, { qty: 4 })))).toEqual({
        reason: 'AMEND_QTY_NOT_ABOVE_FILLED',
        field: 'qty',
      });
      expect(rejection(book.apply(amend(1, { orderId: 1 }, { qty: 3 }))).reason).toBe('AMEND_QTY_NOT_ABOVE_FILLED');
    });

    it('by clientOrderId; other accounts and closed orders are UNKNOWN_ORDER', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 5, { clientOrderId: 'a' }));
      expect(story(book.apply(amend(1, { clientOrderId: 'a' }, { qty: 4 })))).toEqual(['amended 1 100 4/4 kept']);
      expect(rejection(book.apply(amend(2, { orderId: 1 }, { qty: 3 }))).reason).toBe('UNKNOWN_ORDER');
      expect(rejection(book.apply(amend(2, { clientOrderId: 'a' }, { qty: 3 }))).reason).toBe('UNKNOWN_ORDER');
      expect(rejection(book.apply(amend(1, { orderId: 9 }, { qty: 3 }))).reason).toBe('UNKNOWN_ORDER');
    });

    it('rejects invalid amends', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 5), stopLimit(2, 1, 'buy', 110, 111, 1));
      expect(rejection(book.apply(amend(1, { orderId: 1 }, {}))).reason).toBe('INVALID_COMMAND');
      expect(rejection(book.apply(amend(1, { orderId: 1 }, { price: 0 })))).toEqual({
        reason: 'INVALID_PRICE',
        field: 'price',
      });
      expect(rejection(book.apply(amend(1, { orderId: 1 }, { qty: 2.5 })))).toEqual({
        reason: 'INVALID_QUANTITY',
        field: 'qty',
      });
      expect(rejection(book.apply(amend(1, { orderId: 2 }, { qty: 2 }))).reason).toBe('AMEND_NOT_SUPPORTED');
    });

    it('a post-only order cannot be amended to a crossing price', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 99, 5, { postOnly: true }), limit(2, 2, 'sell', 101, 1));
      expect(rejection(book.apply(amend(1, { orderId: 1 }, { price: 101 }))).reason).toBe('POST_ONLY_WOULD_TAKE');
      expect(story(book.apply(amend(1, { orderId: 1 }, { price: 100 })))).toEqual(['amended 1 100 5/5 lost']);
    });

    it('an iceberg reduced below its shown slice keeps priority and shows less', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 10, { displayQty: 4 }), limit(2, 2, 'sell', 100, 1));
      run(book, amend(1, { orderId: 1 }, { qty: 3 }));
      expect(book.order(1)).toMatchObject({ remaining: 3, visible: 3 });
      expect(ids(book, 'asks')).toEqual([1, 2]);
      expect(asks(book)).toEqual([[100, 4, 2]]);
    });

    it('after an STP decrement, an amend cannot grow the open qty while keeping priority (regression)', () => {
      // Order 1 (10 lots) is decremented by 3 by a decrement_and_cancel taker of its own account,
      // so 7 lots are open. Amending to a total of 10 grows the open qty 7 -> 10: that must lose
      // priority, and a non-iceberg order must show all of its open qty. (The book must not be
      // traded against afterwards here: an order with visible < remaining and no displayQty used
      // to spin forever on zero-qty refills.)
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 10), limit(2, 2, 'sell', 100, 1));
      run(book, limit(3, 1, 'buy', 100, 3, { stp: 'decrement_and_cancel' }));
      expect(book.order(1)).toMatchObject({ remaining: 7, visible: 7 });
      const events = book.apply(amend(1, { orderId: 1 }, { qty: 10 }));
      const amended = ofType(events, 'amended')[0]!;
      expect(amended.keptPriority).toBe(false);
      const view = book.order(1)!;
      expect(view.visible).toBe(view.remaining);
      expect(ids(book, 'asks')).toEqual([2, 1]);
    });

    it('is rejected while halted', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 100, 5), { type: 'halt', ts: ++ts });
      expect(rejection(book.apply(amend(1, { orderId: 1 }, { qty: 3 }))).reason).toBe('MARKET_HALTED');
    });
  });

  // ---- self-trade prevention ------------------------------------------------------------------------

  describe('STP (decided by the taker)', () => {
    /** asks at 100: 1 (acct 2, 2 lots), 2 (acct 1, `own` lots), 3 (acct 2, 4 lots). */
    const setup = (own = 3) => {
      const book = make();
      run(book, limit(1, 2, 'sell', 100, 2), limit(2, 1, 'sell', 100, own), limit(3, 2, 'sell', 100, 4));
      return book;
    };

    it('none: trades with its own orders', () => {
      const book = setup();
      expect(trades(book.apply(limit(4, 1, 'buy', 100, 8, { stp: 'none' })))).toEqual([
        [1, 4, 100, 2],
        [2, 4, 100, 3],
        [3, 4, 100, 3],
      ]);
    });

    it('cancel_newest: the taker’s remainder is canceled at its own order', () => {
      const book = setup();
      const events = book.apply(limit(4, 1, 'buy', 100, 8, { stp: 'cancel_newest' }));
      expect(story(events)).toEqual([
        'accepted 4',
        'trade 1>4 2@100',
        'done 1 filled 2',
        'canceled 4 stp 6',
        'done 4 canceled 2',
      ]);
      expect(ids(book, 'asks')).toEqual([2, 3]);
      expect(bids(book)).toEqual([]);
    });

    it('cancel_oldest: the resting order is canceled and the taker goes on', () => {
      const book = setup();
      const events = book.apply(limit(4, 1, 'buy', 100, 8, { stp: 'cancel_oldest' }));
      expect(story(events)).toEqual([
        'accepted 4',
        'trade 1>4 2@100',
        'done 1 filled 2',
        'canceled 2 stp 3',
        'done 2 canceled 0',
        'trade 3>4 4@100',
        'done 3 filled 4',
      ]);
      expect(bids(book)).toEqual([[100, 2, 1]]);
    });

    it('cancel_both: both are canceled', () => {
      const book = setup();
      expect(story(book.apply(limit(4, 1, 'buy', 100, 8, { stp: 'cancel_both' })))).toEqual([
        'accepted 4',
        'trade 1>4 2@100',
        'done 1 filled 2',
        'canceled 2 stp 3',
        'done 2 canceled 0',
        'canceled 4 stp 6',
        'done 4 canceled 2',
      ]);
      expect(ids(book, 'asks')).toEqual([3]);
    });

    it('decrement_and_cancel, taker larger: the maker is canceled, the taker shrinks and goes on', () => {
      const book = setup(3);
      expect(story(book.apply(limit(4, 1, 'buy', 100, 8, { stp: 'decrement_and_cancel' })))).toEqual([
        'accepted 4',
        'trade 1>4 2@100',
        'done 1 filled 2',
        'canceled 2 stp 3',
        'done 2 canceled 0',
        'canceled 4 stp 3',
        'trade 3>4 3@100',
        'done 4 filled 5',
      ]);
      expect(book.order(3)).toMatchObject({ remaining: 1 });
    });

    it('decrement_and_cancel, maker larger: the maker shrinks and stays, the taker is canceled', () => {
      const book = setup(10);
      const events = book.apply(limit(4, 1, 'buy', 100, 5, { stp: 'decrement_and_cancel' }));
      expect(story(events)).toEqual([
        'accepted 4',
        'trade 1>4 2@100',
        'done 1 filled 2',
        'canceled 2 stp 3',
        'canceled 4 stp 3',
        'done 4 canceled 2',
      ]);
      expect(book.order(2)).toMatchObject({ remaining: 7, visible: 7 });
      expect(ids(book, 'asks')).toEqual([2, 3]);
      expect(levels(events)).toEqual({ 'sell:100': [11, 2] });
    });

    it('decrement_and_cancel, equal sizes: both are canceled', () => {
      const book = setup(3);
      expect(story(book.apply(limit(4, 1, 'buy', 100, 5, { stp: 'decrement_and_cancel' })))).toEqual([
        'accepted 4',
        'trade 1>4 2@100',
        'done 1 filled 2',
        'canceled 2 stp 3',
        'done 2 canceled 0',
        'canceled 4 stp 3',
        'done 4 canceled 2',
      ]);
      expect(ids(book, 'asks')).toEqual([3]);
    });

    it('STP only concerns the same account', () => {
      const book = make();
      run(book, limit(1, 2, 'sell', 100, 2));
      expect(trades(book.apply(limit(2, 1, 'buy', 100, 2, { stp: 'cancel_both' })))).toEqual([[1, 2, 100, 2]]);
    });

    it('STP does not act when a quote-sized taker cannot afford another lot (regression)', () => {
      // After one lot at 100 the taker has 50 left: it could not trade with order 2 anyway, so
      // order 2 must stay and the taker ends as an ordinary ioc with 50 unspent.
      const book = make();
      run(book, limit(1, 2, 'sell', 100, 1), limit(2, 1, 'sell', 100, 1));
      const events = book.apply(market(3, 1, 'buy', { quoteQty: 150 }, { stp: 'cancel_oldest' }));
      expect(story(events)).toEqual([
        'accepted 3',
        'trade 1>3 1@100',
        'done 1 filled 1',
        'canceled 3 ioc 0 quote 50',
        'done 3 canceled 1',
      ]);
      expect(ids(book, 'asks')).toEqual([2]);
    });
  });

  // ---- stops ----------------------------------------------------------------------------------------

  describe('stop orders', () => {
    /** Leaves the last trade price at `price` with an empty book. */
    const tradeAt = (book: Book, price: number, id: number) =>
      run(book, limit(id, 8, 'sell', price, 1), limit(id + 1, 9, 'buy', price, 1));

    it('any stop is accepted before the first trade; afterwards one that would fire at once is rejected', () => {
      const book = make();
      expect(story(run(book, stopMarket(1, 1, 'buy', 50, 1), stopMarket(2, 1, 'sell', 150, 1)))).toEqual([
        'accepted 1',
        'accepted 2',
      ]);
      run(book, cancel(1, { orderId: 1 }), cancel(1, { orderId: 2 }));
      tradeAt(book, 100, 10);
      expect(rejection(book.apply(stopMarket(20, 1, 'buy', 100, 1)))).toEqual({
        reason: 'STOP_WOULD_TRIGGER_IMMEDIATELY',
        field: 'stopPrice',
      });
      expect(rejection(book.apply(stopLimit(21, 1, 'buy', 99, 99, 1))).reason).toBe('STOP_WOULD_TRIGGER_IMMEDIATELY');
      expect(rejection(book.apply(stopMarket(22, 1, 'sell', 100, 1))).reason).toBe('STOP_WOULD_TRIGGER_IMMEDIATELY');
      expect(rejection(book.apply(stopMarket(23, 1, 'sell', 101, 1))).reason).toBe('STOP_WOULD_TRIGGER_IMMEDIATELY');
      expect(story(run(book, stopMarket(24, 1, 'buy', 101, 1), stopMarket(25, 1, 'sell', 99, 1)))).toEqual([
        'accepted 24',
        'accepted 25',
      ]);
    });

    it('pending stops are not in the book views but can be looked up', () => {
      const book = make();
      const events = book.apply(stopLimit(1, 1, 'buy', 105, 106, 2));
      expect(levels(events)).toEqual({});
      expect(book.l3()).toEqual({ seq: book.seq, bids: [], asks: [] });
      expect(book.order(1)).toMatchObject({ orderType: 'stop_limit', stopPrice: 105, price: 106, remaining: 2 });
    });

    it('a buy stop_limit triggers when the last trade price reaches its stop, then acts as a limit', () => {
      const book = make();
      tradeAt(book, 100, 1);
      run(book, stopLimit(3, 3, 'buy', 101, 102, 3), limit(4, 1, 'sell', 101, 1), limit(5, 1, 'sell', 102, 2));
      const events = book.apply(limit(6, 2, 'buy', 101, 1));
      expect(story(events)).toEqual([
        'accepted 6',
        'trade 4>6 1@101',
        'done 4 filled 1',
        'done 6 filled 1',
        'triggered 3 101/101',
        'trade 5>3 2@102',
        'done 5 filled 2',
      ]);
      expect(levels(events)).toEqual({ 'sell:101': [0, 0], 'sell:102': [0, 0], 'buy:102': [1, 1] });
      expect(book.order(3)).toMatchObject({ orderType: 'limit', price: 102, remaining: 1, filled: 2 });
      expect(ids(book, 'bids')).toEqual([3]);
    });

    it('a triggered stop that rests is a limit that still shows the stop price it came from', () => {
      const book = make();
      run(book, stopLimit(1, 3, 'buy', 100, 100, 2));
      tradeAt(book, 100, 2);
      expect(book.order(1)).toMatchObject({ orderType: 'limit', remaining: 2, stopPrice: 100 });
      expect(book.l3().bids[0]!.stopPrice).toBe(100);
    });

    it('a sell stop_market triggers when the last trade price falls to its stop and sweeps', () => {
      const book = make();
      run(book, stopMarket(1, 3, 'sell', 100, 7), limit(2, 1, 'buy', 100, 5), limit(3, 1, 'buy', 99, 5));
      const events = book.apply(limit(4, 2, 'sell', 100, 1));
      expect(story(events)).toEqual([
        'accepted 4',
        'trade 2>4 1@100',
        'done 4 filled 1',
        'triggered 1 100/100',
        'trade 2>1 4@100',
        'done 2 filled 5',
        'trade 3>1 3@99',
        'done 1 filled 7',
      ]);
      expect(bids(book)).toEqual([[99, 2, 1]]);
    });

    it('does not trigger while the last price has not reached the stop', () => {
      const book = make();
      run(book, stopMarket(1, 3, 'buy', 102, 1), limit(2, 1, 'sell', 101, 5));
      expect(ofType(book.apply(limit(3, 2, 'buy', 101, 1)), 'triggered')).toEqual([]);
      expect(book.order(1)).toMatchObject({ orderType: 'stop_market' });
    });

    it('buy stops fire by ascending stop price, FIFO at equal stop prices', () => {
      const book = make();
      run(
        book,
        stopMarket(1, 3, 'buy', 102, 1),
        stopMarket(2, 3, 'buy', 101, 1),
        stopMarket(3, 4, 'buy', 101, 1),
        limit(4, 1, 'sell', 103, 10),
      );
      const events = book.apply(limit(5, 2, 'buy', 103, 1));
      expect(ofType(events, 'triggered').map((e) => e.orderId)).toEqual([2, 3, 1]);
      expect(trades(events)).toEqual([
        [4, 5, 103, 1],
        [4, 2, 103, 1],
        [4, 3, 103, 1],
        [4, 1, 103, 1],
      ]);
    });

    it('sell stops fire by descending stop price, FIFO at equal stop prices', () => {
      const book = make();
      run(
        book,
        stopMarket(1, 3, 'sell', 98, 1),
        stopMarket(2, 3, 'sell', 99, 1),
        stopMarket(3, 4, 'sell', 99, 1),
        limit(4, 1, 'buy', 97, 10),
      );
      const events = book.apply(limit(5, 2, 'sell', 97, 1));
      expect(ofType(events, 'triggered').map((e) => e.orderId)).toEqual([2, 3, 1]);
    });

    it('cascades: a triggered stop’s trades can trigger further stops', () => {
      const book = make();
      run(
        book,
        stopMarket(1, 3, 'buy', 101, 2),
        stopMarket(2, 3, 'buy', 102, 1),
        limit(3, 1, 'sell', 101, 1),
        limit(4, 1, 'sell', 102, 2),
        limit(5, 1, 'sell', 103, 5),
      );
      const events = book.apply(limit(6, 2, 'buy', 101, 1));
      expect(story(events)).toEqual([
        'accepted 6',
        'trade 3>6 1@101',
        'done 3 filled 1',
        'done 6 filled 1',
        'triggered 1 101/101',
        'trade 4>1 2@102',
        'done 4 filled 2',
        'done 1 filled 2',
        'triggered 2 102/102',
        'trade 5>2 1@103',
        'done 2 filled 1',
      ]);
      expect(asks(book)).toEqual([[103, 4, 1]]);
    });

    it('a triggered stop_market sized by quote spends its budget', () => {
      const book = make();
      run(book, stopMarket(1, 3, 'buy', 100, { quoteQty: 250 }), limit(2, 1, 'sell', 100, 1));
      const events = run(book, limit(3, 1, 'sell', 101, 5), limit(4, 2, 'buy', 100, 1));
      expect(story(events).slice(-4)).toEqual([
        'triggered 1 100/100',
        'trade 3>1 2@101',
        'canceled 1 ioc 0 quote 48',
        'done 1 canceled 2',
      ]);
    });
  });

  // ---- icebergs -------------------------------------------------------------------------------------

  describe('iceberg orders', () => {
    it('show only displayQty', () => {
      const book = make();
      const events = book.apply(limit(1, 1, 'sell', 100, 10, { displayQty: 3 }));
      expect(levels(events)).toEqual({ 'sell:100': [3, 1] });
      expect(book.order(1)).toMatchObject({ qty: 10, remaining: 10, visible: 3, displayQty: 3 });
    });

    it('refill to min(displayQty, remaining) at the back of the queue; the taker goes on with the next order', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 5, { displayQty: 2 }), limit(2, 2, 'sell', 100, 3));
      const events = book.apply(limit(3, 3, 'buy', 100, 6));
      expect(trades(events)).toEqual([
        [1, 3, 100, 2],
        [2, 3, 100, 3],
        [1, 3, 100, 1],
      ]);
      expect(book.order(1)).toMatchObject({ remaining: 2, visible: 1, filled: 3 });
      expect(levels(events)).toEqual({ 'sell:100': [1, 1] });
      // the last slice: min(displayQty, remaining)
      expect(trades(book.apply(limit(4, 3, 'buy', 100, 1)))).toEqual([[1, 4, 100, 1]]);
      expect(book.order(1)).toMatchObject({ remaining: 1, visible: 1 });
      expect(story(book.apply(limit(5, 3, 'buy', 100, 1)))).toEqual([
        'accepted 5',
        'trade 1>5 1@100',
        'done 1 filled 5',
        'done 5 filled 1',
      ]);
    });

    it('a refill goes behind orders that arrived later', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 6, { displayQty: 2 }), limit(2, 2, 'sell', 100, 1));
      run(book, limit(3, 3, 'buy', 100, 2));
      expect(ids(book, 'asks')).toEqual([2, 1]);
      run(book, limit(4, 2, 'sell', 100, 1));
      expect(ids(book, 'asks')).toEqual([2, 1, 4]);
    });
  });

  // ---- halt -----------------------------------------------------------------------------------------

  describe('halt / resume', () => {
    it('a halted book rejects orders and amends, keeps its orders, and still takes cancels', () => {
      const book = make();
      run(book, limit(1, 1, 'buy', 99, 5), limit(2, 1, 'buy', 98, 5), limit(3, 2, 'sell', 101, 5));
      expect(story(book.apply({ type: 'halt', ts: ++ts }))).toEqual(['halted']);
      expect(rejection(book.apply(limit(4, 2, 'sell', 99, 1)))).toEqual({ reason: 'MARKET_HALTED', field: undefined });
      expect(rejection(book.apply(market(5, 2, 'sell', { qty: 1 }))).reason).toBe('MARKET_HALTED');
      expect(rejection(book.apply(stopMarket(6, 2, 'sell', 50, 1))).reason).toBe('MARKET_HALTED');
      expect(ids(book, 'bids')).toEqual([1, 2]);
      expect(story(book.apply(cancel(1, { orderId: 1 })))).toEqual(['canceled 1 user 5', 'done 1 canceled 0']);
      expect(story(book.apply({ type: 'cancel_all', ts: ++ts, accountId: 2 }))).toEqual([
        'canceled 3 cancel_all 5',
        'done 3 canceled 0',
      ]);
      expect(story(book.apply({ type: 'resume', ts: ++ts }))).toEqual(['resumed']);
      expect(trades(book.apply(limit(7, 2, 'sell', 98, 1)))).toEqual([[2, 7, 98, 1]]);
    });
  });

  // ---- views and sequencing -------------------------------------------------------------------------

  describe('views', () => {
    const sample = () => {
      const book = make();
      run(
        book,
        limit(1, 1, 'buy', 99, 5),
        limit(2, 2, 'buy', 99, 3, { clientOrderId: 'b' }),
        limit(3, 1, 'buy', 97, 2),
        limit(4, 2, 'buy', 98, 10, { displayQty: 4 }),
        limit(5, 3, 'sell', 101, 1),
        limit(6, 3, 'sell', 102, 7),
      );
      return book;
    };

    it('l1 is the best level of each side', () => {
      const book = make();
      expect(book.l1()).toEqual({ seq: 0 });
      const s = sample();
      expect(s.l1()).toEqual({
        seq: s.seq,
        bid: { price: 99, qty: 8, count: 2 },
        ask: { price: 101, qty: 1, count: 1 },
      });
    });

    it('l2 lists visible totals best first, with optional depth', () => {
      const book = sample();
      expect(book.l2()).toEqual({
        seq: book.seq,
        bids: [
          { price: 99, qty: 8, count: 2 },
          { price: 98, qty: 4, count: 1 },
          { price: 97, qty: 2, count: 1 },
        ],
        asks: [
          { price: 101, qty: 1, count: 1 },
          { price: 102, qty: 7, count: 1 },
        ],
      });
      expect(book.l2(1)).toEqual({
        seq: book.seq,
        bids: [{ price: 99, qty: 8, count: 2 }],
        asks: [{ price: 101, qty: 1, count: 1 }],
      });
    });

    it('l3 lists orders in priority order with their open and visible qty', () => {
      const book = sample();
      const l3 = book.l3();
      expect(l3.bids.map((o) => [o.orderId, o.price, o.remaining, o.visible])).toEqual([
        [1, 99, 5, 5],
        [2, 99, 3, 3],
        [4, 98, 10, 4],
        [3, 97, 2, 2],
      ]);
      expect(l3.asks.map((o) => o.orderId)).toEqual([5, 6]);
      expect(l3.bids[1]).toMatchObject({
        orderId: 2,
        accountId: 2,
        clientOrderId: 'b',
        side: 'buy',
        orderType: 'limit',
        qty: 3,
        filled: 0,
        tif: 'GTC',
        postOnly: false,
        stp: 'none',
      });
      expect(book.order(4)).toEqual(l3.bids[2]);
      expect(book.order(999)).toBeUndefined();
    });

    it('seq is gapless from 1 across all commands, rejects included; trade ids too', () => {
      const book = make();
      const events = run(
        book,
        limit(1, 1, 'sell', 100, 3),
        limit(1, 1, 'sell', 100, 3),
        limit(2, 2, 'buy', 100, 5),
        cancel(3, { orderId: 2 }),
        { type: 'halt', ts: ++ts },
        { type: 'resume', ts: ++ts },
        market(3, 1, 'sell', { qty: 1 }),
        amend(2, { orderId: 2 }, { qty: 4 }),
        cancel(2, { orderId: 2 }),
      );
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(book.seq).toBe(events.length);
      expect(ofType(events, 'trade').map((t) => t.tradeId)).toEqual([1, 2]);
      expect(events.every((e) => e.ts > 0)).toBe(true);
    });

    it('every event carries the causing command’s ts', () => {
      const book = make();
      run(book, limit(1, 1, 'sell', 100, 3));
      const cmd = limit(2, 2, 'buy', 100, 5);
      expect(book.apply(cmd).every((e) => e.ts === cmd.ts)).toBe(true);
    });

    it('a resting order’s ts is that of the command that gave it its queue position', () => {
      const book = make();
      const place = limit(1, 1, 'buy', 100, 5);
      run(book, place);
      expect(book.order(1)!.ts).toBe(place.ts);
      const keep = amend(1, { orderId: 1 }, { qty: 4 });
      run(book, keep);
      expect(book.order(1)!.ts).toBe(place.ts);
      const lose = amend(1, { orderId: 1 }, { price: 99 });
      run(book, lose);
      expect(book.order(1)!.ts).toBe(lose.ts);
    });
  });
});

// ---- implementation-only details ----------------------------------------------------------------------

describe('OrderBook event interleaving', () => {
  it('a place emits: accepted, per maker trade (+ done), a level event as each level is left, then the taker’s end, then its resting level', () => {
    const book = new OrderBook({ symbol: 'BTCUSDT' });
    run(book, limit(1, 1, 'sell', 100, 2), limit(2, 1, 'sell', 101, 5));
    const events = book.apply(limit(3, 2, 'buy', 101, 10, { tif: 'IOC' }));
    expect(events.map((e) => (e.type === 'level' ? `level ${e.side}:${e.price} ${e.qty}/${e.count}` : e.type))).toEqual(
      ['accepted', 'trade', 'done', 'level sell:100 0/0', 'trade', 'done', 'level sell:101 0/0', 'canceled', 'done'],
    );
    const rest = book.apply(limit(4, 2, 'buy', 102, 3));
    expect(rest.map((e) => e.type)).toEqual(['accepted', 'level']);
    run(book, limit(5, 1, 'sell', 103, 2));
    const partial = book.apply(limit(6, 2, 'buy', 103, 5));
    expect(
      partial.map((e) => (e.type === 'level' ? `level ${e.side}:${e.price} ${e.qty}/${e.count}` : e.type)),
    ).toEqual(['accepted', 'trade', 'done', 'level sell:103 0/0', 'level buy:103 3/1']);
  });
});

describe('OrderBook snapshot / restore', () => {
  const build = () => {
    ts = 1000; // two builds must be identical, timestamps included
    const book = new OrderBook({ symbol: 'BTCUSDT', maxOpenOrdersPerAccount: 4 });
    run(
      book,
      limit(1, 1, 'sell', 101, 10, { displayQty: 3, clientOrderId: 'ice' }),
      limit(2, 2, 'sell', 101, 4),
      limit(3, 3, 'buy', 101, 4), // takes 3 from the iceberg (refill to the back) and 1 from order 2
      limit(4, 1, 'buy', 99, 5, { postOnly: true, stp: 'cancel_both' }),
      limit(5, 2, 'buy', 98, 2, { clientOrderId: 'x' }),
      stopLimit(6, 3, 'buy', 103, 104, 2),
      stopMarket(7, 3, 'sell', 97, 3),
      stopMarket(8, 2, 'buy', 102, { quoteQty: 700 }),
    );
    return book;
  };
  const future = () => [
    limit(20, 2, 'sell', 101, 1, { clientOrderId: 'y' }),
    cancel(2, { clientOrderId: 'x' }),
    limit(21, 1, 'buy', 98, 1),
    limit(22, 1, 'buy', 97, 1), // account 1 now has 4 open orders (1, 4, 21, 22): the cap
    limit(23, 1, 'buy', 96, 1), // rejected TOO_MANY_OPEN_ORDERS
    limit(20, 9, 'buy', 90, 1), // duplicate id
    limit(24, 5, 'sell', 103, 1),
    limit(25, 4, 'buy', 104, 30), // sweeps the asks up to 103: triggers both buy stops
    limit(26, 4, 'sell', 97, 40), // sweeps the bids (self-trade with STP none): triggers the sell stop
    { type: 'halt' as const, ts: ++ts },
    amend(4, { orderId: 26 }, { qty: 50 }), // 26 rests, but the book is halted
    { type: 'resume' as const, ts: ++ts },
  ];

  it('restores to the same stateHash, through JSON, and then emits identical events', () => {
    const live = build();
    const snap = live.snapshot();
    expect(snap).toMatchObject({ version: 1, lastOrderId: 8, lastPrice: 101, halted: false, tradeId: 2 });
    expect(snap.stops.map((o) => o.orderId)).toEqual([8, 6, 7]);
    expect(snap.asks.map((o) => o.orderId)).toEqual([2, 1]);
    const restored = OrderBook.restore(JSON.parse(JSON.stringify(snap)));
    expect(restored.stateHash()).toBe(live.stateHash());
    expect(restored.stateHash()).toMatch(/^[0-9a-f]{64}$/);
    expect(restored.seq).toBe(live.seq);
    expect(restored.l3()).toEqual(live.l3());
    const later = future();
    const events = later.flatMap((cmd) => {
      const expected = live.apply(cmd);
      expect(restored.apply(cmd)).toEqual(expected);
      return expected;
    });
    // the future exercised what it claims to
    expect(ofType(events, 'triggered').map((e) => e.orderId)).toEqual([8, 6, 7]);
    expect(ofType(events, 'rejected').map((e) => e.reason)).toEqual([
      'TOO_MANY_OPEN_ORDERS',
      'DUPLICATE_ORDER_ID',
      'MARKET_HALTED',
    ]);
    expect(restored.stateHash()).toBe(live.stateHash());
  });

  it('keeps halted, lastPrice and the order-id floor', () => {
    const live = build();
    live.apply({ type: 'halt', ts: ++ts });
    const restored = OrderBook.restore(JSON.parse(JSON.stringify(live.snapshot())));
    expect(rejection(restored.apply(limit(50, 1, 'buy', 90, 1))).reason).toBe('MARKET_HALTED');
    restored.apply({ type: 'resume', ts: ++ts });
    expect(rejection(restored.apply(limit(8, 1, 'buy', 90, 1))).reason).toBe('DUPLICATE_ORDER_ID');
    expect(rejection(restored.apply(stopMarket(51, 1, 'buy', 101, 1))).reason).toBe('STOP_WOULD_TRIGGER_IMMEDIATELY');
  });

  it('different books hash differently; the hash ignores nothing that matters', () => {
    const a = build();
    const b = build();
    expect(a.stateHash()).toBe(b.stateHash());
    // same seq, different pending stop canceled
    a.apply(cancel(3, { orderId: 6 }));
    b.apply(cancel(3, { orderId: 7 }));
    expect(b.seq).toBe(a.seq);
    expect(b.stateHash()).not.toBe(a.stateHash());
    // same seq, different queue order: 2 loses priority in one book, a price level is touched in the other
    const c = build();
    const d = build();
    c.apply(amend(2, { orderId: 2 }, { qty: 5 }));
    d.apply(amend(1, { orderId: 4 }, { qty: 6 }));
    expect(c.stateHash()).not.toBe(d.stateHash());
  });
});
