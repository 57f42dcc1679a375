/**
 * Shared test support: random command generation (fast-check), event normalisation, and an
 * invariant checker that audits every call of any book-like engine from its views and its events
 * alone (no access to internals), so the same checks run against the reference and the real book.
 */
import fc from 'fast-check';
import type {
  AcceptedEvent,
  BookCommand,
  BookConfig,
  BookEvent,
  L2View,
  L3View,
  OrderView,
  PlaceOrder,
  PriceLevelView,
  Side,
  StpMode,
  TimeInForce,
} from '../src/types';

export interface Engine {
  apply(cmd: BookCommand): BookEvent[];
  readonly seq: number;
  l2(depth?: number): L2View;
  l3(): L3View;
  order(orderId: number): OrderView | undefined;
}

// ---- random commands ------------------------------------------------------------------------------

export interface GenOptions {
  accounts: number;
  minPrice: number;
  maxPrice: number;
  /** Produce invalid commands too. */
  faults: boolean;
  /** Produce halt / resume. */
  halts: boolean;
}

export const DEFAULT_GEN: GenOptions = { accounts: 3, minPrice: 97, maxPrice: 103, faults: true, halts: true };

type IdMode = 'next' | 'dup';
type Fault =
  | 'qty0'
  | 'qtyNeg'
  | 'qtyFrac'
  | 'qtyUnsafe'
  | 'price0'
  | 'priceFrac'
  | 'noPrice'
  | 'marketGTC'
  | 'bothQty'
  | 'noQty'
  | 'quoteOnLimit'
  | 'quoteFOK'
  | 'displayNotBelowQty'
  | 'displayOnIOC'
  | 'display0'
  | 'postOnlyIOC'
  | 'postOnlyMarket'
  | 'stopPriceOnLimit'
  | 'stopWithoutStopPrice'
  | 'orderId0'
  | 'orderIdFrac'
  | 'badTif';

export type Template =
  | {
      k: 'limit';
      id: IdMode;
      acct: number;
      side: Side;
      price: number;
      qty: number;
      tif: TimeInForce;
      postOnly: boolean;
      display: number | null;
      stp: StpMode;
      cid: number | null;
    }
  | {
      k: 'market';
      id: IdMode;
      acct: number;
      side: Side;
      qty: number;
      quote: number | null;
      protection: number | null;
      tif: 'IOC' | 'FOK';
      stp: StpMode;
      cid: number | null;
    }
  | {
      k: 'stop';
      id: IdMode;
      acct: number;
      side: Side;
      market: boolean;
      stopPrice: number;
      price: number;
      qty: number;
      quote: number | null;
      tif: TimeInForce;
      stp: StpMode;
      cid: number | null;
    }
  | { k: 'cancel'; acct: number; ref: number; own: boolean; byCid: boolean }
  | { k: 'cancel_all'; acct: number }
  | { k: 'amend'; acct: number; ref: number; own: boolean; byCid: boolean; price: number | null; qty: number | null }
  | { k: 'halt' }
  | { k: 'resume' }
  | { k: 'bad'; fault: Fault; acct: number; side: Side; price: number; qty: number };

const STPS: StpMode[] = ['none', 'cancel_newest', 'cancel_oldest', 'cancel_both', 'decrement_and_cancel'];
const FAULTS: Fault[] = [
  'qty0',
  'qtyNeg',
  'qtyFrac',
  'qtyUnsafe',
  'price0',
  'priceFrac',
  'noPrice',
  'marketGTC',
  'bothQty',
  'noQty',
  'quoteOnLimit',
  'quoteFOK',
  'displayNotBelowQty',
  'displayOnIOC',
  'display0',
  'postOnlyIOC',
  'postOnlyMarket',
  'stopPriceOnLimit',
  'stopWithoutStopPrice',
  'orderId0',
  'orderIdFrac',
  'badTif',
];

export function templateArb(o: GenOptions = DEFAULT_GEN): fc.Arbitrary<Template> {
  const acct = fc.integer({ min: 1, max: o.accounts });
  const side = fc.constantFrom<Side>('buy', 'sell');
  const price = fc.integer({ min: o.minPrice, max: o.maxPrice });
  const qty = fc.integer({ min: 1, max: 10 });
  // Mostly 'none' so that trades happen; every STP mode shows up regularly.
  const stp = fc.oneof(
    { arbitrary: fc.constant<StpMode>('none'), weight: 4 },
    { arbitrary: fc.constantFrom(...STPS), weight: 3 },
  );
  const id = fc.oneof(
    { arbitrary: fc.constant<IdMode>('next'), weight: 30 },
    { arbitrary: fc.constant<IdMode>('dup'), weight: o.faults ? 1 : 0 },
  );
  const cid = fc.option(fc.integer({ min: 0, max: 3 }), { freq: 2 });
  const midQuote = Math.round((o.minPrice + o.maxPrice) / 2);
  const limit = fc
    .record({
      id,
      acct,
      side,
      price,
      qty: fc.integer({ min: 1, max: 12 }),
      tif: fc.oneof(
        { arbitrary: fc.constant<TimeInForce>('GTC'), weight: 6 },
        { arbitrary: fc.constantFrom<TimeInForce>('IOC', 'FOK'), weight: 2 },
      ),
      postOnly: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
      display: fc.option(fc.integer({ min: 1, max: 4 }), { freq: 3 }),
      stp,
      cid,
    })
    .map((t) => {
      const display = t.tif === 'GTC' && t.display !== null && t.display < t.qty ? t.display : null;
      return {
        k: 'limit' as const,
        ...t,
        postOnly: t.postOnly && t.tif === 'GTC',
        display,
      };
    });
  const market = fc.record({
    k: fc.constant('market' as const),
    id,
    acct,
    side,
    qty: fc.integer({ min: 1, max: 25 }),
    quote: fc.option(fc.integer({ min: 1, max: 20 * midQuote }), { freq: 3 }),
    protection: fc.option(price, { freq: 3 }),
    tif: fc.oneof(
      { arbitrary: fc.constant<'IOC' | 'FOK'>('IOC'), weight: 3 },
      { arbitrary: fc.constant<'IOC' | 'FOK'>('FOK'), weight: 1 },
    ),
    stp,
    cid,
  });
  const stop = fc.record({
    k: fc.constant('stop' as const),
    id,
    acct,
    side,
    market: fc.boolean(),
    stopPrice: price,
    price,
    qty,
    quote: fc.option(fc.integer({ min: 1, max: 10 * midQuote }), { freq: 4 }),
    tif: fc.constantFrom<TimeInForce>('GTC', 'GTC', 'IOC', 'FOK'),
    stp,
    cid,
  });
  const ref = fc.nat({ max: 1000 });
  const own = fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 });
  const cancel = fc.record({ k: fc.constant('cancel' as const), acct, ref, own, byCid: fc.boolean() });
  const amend = fc.record({
    k: fc.constant('amend' as const),
    acct,
    ref,
    own,
    byCid: fc.boolean(),
    price: fc.option(price, { freq: 1 }),
    qty: fc.option(fc.integer({ min: 1, max: 14 }), { freq: 2 }),
  });
  const bad = fc.record({ k: fc.constant('bad' as const), fault: fc.constantFrom(...FAULTS), acct, side, price, qty });
  return fc.oneof(
    { arbitrary: limit, weight: 30 },
    { arbitrary: market, weight: 7 },
    { arbitrary: stop, weight: 6 },
    { arbitrary: cancel, weight: 7 },
    { arbitrary: fc.record({ k: fc.constant('cancel_all' as const), acct }), weight: 1 },
    { arbitrary: amend, weight: 8 },
    { arbitrary: fc.constant({ k: 'halt' as const }), weight: o.halts ? 1 : 0 },
    { arbitrary: fc.constant({ k: 'resume' as const }), weight: o.halts ? 6 : 0 },
    { arbitrary: bad, weight: o.faults ? 3 : 0 },
  );
}

/** Turns templates into concrete commands: fresh increasing order ids, references to earlier orders. */
export function materialize(templates: readonly Template[]): BookCommand[] {
  let nextId = 1;
  let ts = 1_000;
  const placed: { id: number; acct: number; cid?: string }[] = [];
  const takeId = (mode: IdMode): number => {
    if (mode === 'dup' && nextId > 1) return Math.max(1, nextId - 1 - ((nextId * 7) % 3));
    return nextId++;
  };
  /** Orders that may stay open (GTC limits, stops) become targets for later cancels and amends. */
  const remember = (cmd: PlaceOrder): PlaceOrder => {
    const mayStayOpen = (cmd.orderType === 'limit' && cmd.tif === 'GTC') || cmd.orderType.startsWith('stop');
    if (mayStayOpen) placed.push({ id: cmd.orderId, acct: cmd.accountId, cid: cmd.clientOrderId });
    return cmd;
  };
  const cidOf = (c: number | null): { clientOrderId?: string } => (c === null ? {} : { clientOrderId: `c${c}` });
  const out: BookCommand[] = [];
  for (const t of templates) {
    ts += 1;
    switch (t.k) {
      case 'limit': {
        const cmd: PlaceOrder = {
          type: 'place',
          ts,
          orderId: takeId(t.id),
          accountId: t.acct,
          ...cidOf(t.cid),
          side: t.side,
          orderType: 'limit',
          price: t.price,
          qty: t.qty,
          tif: t.tif,
          stp: t.stp,
        };
        if (t.postOnly) cmd.postOnly = true;
        if (t.display !== null) cmd.displayQty = t.display;
        out.push(remember(cmd));
        break;
      }
      case 'market': {
        const cmd: PlaceOrder = {
          type: 'place',
          ts,
          orderId: takeId(t.id),
          accountId: t.acct,
          ...cidOf(t.cid),
          side: t.side,
          orderType: 'market',
          tif: t.quote !== null ? 'IOC' : t.tif,
          stp: t.stp,
        };
        if (t.quote !== null) cmd.quoteQty = t.quote;
        else cmd.qty = t.qty;
        if (t.protection !== null) cmd.price = t.protection;
        out.push(remember(cmd));
        break;
      }
      case 'stop': {
        const cmd: PlaceOrder = {
          type: 'place',
          ts,
          orderId: takeId(t.id),
          accountId: t.acct,
          ...cidOf(t.cid),
          side: t.side,
          orderType: t.market ? 'stop_market' : 'stop_limit',
          stopPrice: t.stopPrice,
          tif: t.market && t.tif === 'GTC' ? 'IOC' : t.tif,
          stp: t.stp,
        };
        if (t.market && t.quote !== null) {
          cmd.quoteQty = t.quote;
          cmd.tif = 'IOC';
        } else cmd.qty = t.qty;
        if (!t.market) cmd.price = t.price;
        out.push(remember(cmd));
        break;
      }
      case 'cancel':
      case 'amend': {
        // Mostly one of the last few orders (likely still open), sometimes any earlier one.
        const span = t.ref % 4 === 0 ? placed.length : Math.min(placed.length, 6);
        const target = placed.length ? placed[placed.length - 1 - (t.ref % span)]! : { id: t.ref + 1, acct: t.acct };
        const accountId = t.own ? target.acct : t.acct;
        const which = t.byCid && target.cid !== undefined ? { clientOrderId: target.cid } : { orderId: target.id };
        if (t.k === 'cancel') out.push({ type: 'cancel', ts, accountId, ...which });
        else {
          const cmd: BookCommand = { type: 'amend', ts, accountId, ...which };
          if (t.price !== null) cmd.price = t.price;
          if (t.qty !== null) cmd.qty = t.qty;
          out.push(cmd);
        }
        break;
      }
      case 'cancel_all':
        out.push({ type: 'cancel_all', ts, accountId: t.acct });
        break;
      case 'halt':
      case 'resume':
        out.push({ type: t.k, ts });
        break;
      case 'bad':
        out.push(faulty(t, ts, () => nextId++));
        break;
    }
  }
  return out;
}

function faulty(t: Extract<Template, { k: 'bad' }>, ts: number, nextId: () => number): BookCommand {
  const base: PlaceOrder = {
    type: 'place',
    ts,
    orderId: 0,
    accountId: t.acct,
    side: t.side,
    orderType: 'limit',
    price: t.price,
    qty: t.qty + 1,
    tif: 'GTC',
    stp: 'none',
  };
  const market: PlaceOrder = { ...base, orderType: 'market', tif: 'IOC' };
  delete market.price;
  const cmd = ((): PlaceOrder => {
    switch (t.fault) {
      case 'qty0':
        return { ...base, qty: 0 };
      case 'qtyNeg':
        return { ...base, qty: -t.qty };
      case 'qtyFrac':
        return { ...base, qty: t.qty + 0.5 };
      case 'qtyUnsafe':
        return { ...base, qty: 2 ** 53 };
      case 'price0':
        return { ...base, price: 0 };
      case 'priceFrac':
        return { ...base, price: t.price + 0.25 };
      case 'noPrice': {
        const c = { ...base };
        delete c.price;
        return c;
      }
      case 'marketGTC':
        return { ...market, tif: 'GTC' };
      case 'bothQty':
        return { ...market, quoteQty: 500 };
      case 'noQty': {
        const c = { ...base };
        delete c.qty;
        return c;
      }
      case 'quoteOnLimit': {
        const c: PlaceOrder = { ...base, quoteQty: 500 };
        delete c.qty;
        return c;
      }
      case 'quoteFOK': {
        const c: PlaceOrder = { ...market, quoteQty: 500, tif: 'FOK' };
        delete c.qty;
        return c;
      }
      case 'displayNotBelowQty':
        return { ...base, displayQty: base.qty! };
      case 'displayOnIOC':
        return { ...base, tif: 'IOC', displayQty: 1 };
      case 'display0':
        return { ...base, displayQty: 0 };
      case 'postOnlyIOC':
        return { ...base, tif: 'IOC', postOnly: true };
      case 'postOnlyMarket':
        return { ...market, postOnly: true };
      case 'stopPriceOnLimit':
        return { ...base, stopPrice: t.price };
      case 'stopWithoutStopPrice':
        return { ...base, orderType: 'stop_limit' };
      case 'orderId0':
        return { ...base };
      case 'orderIdFrac':
        return { ...base, orderId: 1.5 };
      case 'badTif':
        return { ...base, tif: 'GTD' as TimeInForce };
    }
  })();
  if (t.fault !== 'orderId0' && t.fault !== 'orderIdFrac') cmd.orderId = nextId();
  return cmd;
}

export const commandsArb = (o: GenOptions = DEFAULT_GEN, maxLength = 200): fc.Arbitrary<BookCommand[]> =>
  fc.array(templateArb(o), { minLength: 1, maxLength, size: 'max' }).map(materialize);

export const configArb: fc.Arbitrary<BookConfig> = fc.record(
  { symbol: fc.constant('BTCUSDT'), maxOpenOrdersPerAccount: fc.integer({ min: 2, max: 12 }) },
  { requiredKeys: ['symbol'] },
);

// ---- normalisation ------------------------------------------------------------------------------------

/** An event without its seq and without undefined-valued keys. */
export function norm(e: BookEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (k !== 'seq' && v !== undefined) out[k] = v;
  return out;
}

export const tradesOf = (events: BookEvent[]) =>
  events.flatMap((e) =>
    e.type === 'trade'
      ? [
          {
            maker: e.makerOrderId,
            makerAccount: e.makerAccountId,
            taker: e.takerOrderId,
            takerAccount: e.takerAccountId,
            price: e.price,
            qty: e.qty,
            aggressor: e.aggressor,
            tradeId: e.tradeId,
          },
        ]
      : [],
  );

export const rejectsOf = (events: BookEvent[]) =>
  events
    .flatMap((e) => (e.type === 'rejected' ? [{ command: e.command, orderId: e.orderId, reason: e.reason }] : []))
    .map((r) => JSON.stringify(r))
    .sort();

/** Every event but trades and level updates, without seq, as a sorted multiset. */
export const otherEventsOf = (events: BookEvent[]) =>
  events
    .filter((e) => e.type !== 'level' && e.type !== 'trade')
    .map((e) => JSON.stringify(sortKeys(norm(e))))
    .sort();

export const nonLevel = (events: BookEvent[]) => events.filter((e) => e.type !== 'level').map(norm);

export function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The resting orders as (side, price, id, remaining, visible) in priority order. */
export const queuesOf = (l3: L3View) =>
  [...l3.bids, ...l3.asks].map((o) => ({
    side: o.side,
    price: o.price,
    id: o.orderId,
    remaining: o.remaining,
    visible: o.visible,
  }));

export const levelsOf = (l2: L2View) => ({ bids: l2.bids, asks: l2.asks });

// ---- invariant checker ------------------------------------------------------------------------------

interface Entry {
  accepted: AcceptedEvent;
  /** Open lots by the ledger (accepted qty, minus fills and cancels, reset by amends). */
  open: number;
  filled: number;
  quote: boolean;
  /** Unspent budget of a quote-sized order. */
  budget: number;
  done: boolean;
  /** Current limit price. */
  price: number | undefined;
  pendingStop: boolean;
}

interface QEntry {
  id: number;
  remaining: number;
  visible: number;
  display?: number;
}

export class InvariantError extends Error {}

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new InvariantError(msg);
}

const key = (side: Side, price: number) => `${side}:${price}`;
const other = (s: Side): Side => (s === 'buy' ? 'sell' : 'buy');

/**
 * Audits an engine after every call, from the outside: seq/tradeId gapless, reject means no change,
 * per-order ledger (accepted qty = filled + canceled + open, one done per order, done.filled), FIFO
 * queue replay (each fill hits the head of its level; iceberg refills go to the back), no self-trade
 * unless STP 'none', book never crossed, level events agree with l2, l2 agrees with l3.
 */
export class InvariantChecker {
  private lastSeq = 0;
  private lastTradeId = 0;
  private halted = false;
  readonly ledger = new Map<number, Entry>();
  private readonly openIds = new Set<number>();

  constructor(private readonly book: Engine) {}

  /** Applies one command with checks; returns its events. */
  apply(cmd: BookCommand): BookEvent[] {
    const preL2 = this.book.l2();
    const preL3 = this.book.l3();
    const events = this.book.apply(cmd);
    this.check(cmd, events, preL2, preL3);
    return events;
  }

  private check(cmd: BookCommand, events: BookEvent[], preL2: L2View, preL3: L3View): void {
    const { book } = this;
    // seq gapless, ts from the command
    events.forEach((e, i) => {
      assert(e.seq === this.lastSeq + 1 + i, `seq gap: expected ${this.lastSeq + 1 + i}, got ${e.seq}`);
      assert(e.ts === cmd.ts, `event ts ${e.ts} != command ts ${cmd.ts}`);
    });
    this.lastSeq += events.length;
    assert(book.seq === this.lastSeq, `book.seq ${book.seq} != last emitted ${this.lastSeq}`);

    const postL2 = book.l2();
    const postL3 = book.l3();

    // a rejected command changes nothing else
    if (events.some((e) => e.type === 'rejected')) {
      assert(events.length === 1, `a reject came with other events: ${JSON.stringify(events)}`);
      assert(
        JSON.stringify(queuesOf(preL3)) === JSON.stringify(queuesOf(postL3)),
        'the book changed on a rejected command',
      );
    }
    if (this.halted && cmd.type === 'place') {
      assert(
        events.length === 1 && events[0]!.type === 'rejected' && events[0]!.reason === 'MARKET_HALTED',
        'a halted book accepted an order',
      );
    }
    if (this.halted && cmd.type === 'amend') {
      assert(events.length === 1 && events[0]!.type === 'rejected', 'a halted book accepted an amend');
    }

    // replay the queues through the events (FIFO model), keep the ledger
    const queues = new Map<string, QEntry[]>();
    for (const o of [...preL3.bids, ...preL3.asks]) {
      const k = key(o.side, o.price);
      if (!queues.has(k)) queues.set(k, []);
      const q: QEntry = { id: o.orderId, remaining: o.remaining, visible: o.visible };
      if (o.displayQty !== undefined) q.display = o.displayQty;
      queues.get(k)!.push(q);
    }
    const find = (id: number): { k: string; q: QEntry[]; i: number } | undefined => {
      for (const [k, q] of queues) {
        const i = q.findIndex((x) => x.id === id);
        if (i >= 0) return { k, q, i };
      }
      return undefined;
    };
    let taker: number | undefined;
    const flushTaker = () => {
      if (taker === undefined) return;
      const en = this.ledger.get(taker)!;
      taker = undefined;
      if (en.done) return;
      const a = en.accepted;
      assert(
        (a.orderType === 'limit' || a.orderType === 'stop_limit') && a.tif === 'GTC',
        `order ${a.orderId} (${a.orderType} ${a.tif}) neither finished nor may rest`,
      );
      const k = key(a.side, en.price!);
      if (!queues.has(k)) queues.set(k, []);
      const visible = a.displayQty !== undefined ? Math.min(a.displayQty, en.open) : en.open;
      const q: QEntry = { id: a.orderId, remaining: en.open, visible };
      if (a.displayQty !== undefined) q.display = a.displayQty;
      queues.get(k)!.push(q);
    };
    const lastLevel = new Map<string, { qty: number; count: number }>();

    for (const e of events) {
      switch (e.type) {
        case 'accepted': {
          assert(cmd.type === 'place' && cmd.orderId === e.orderId, 'accepted does not match the command');
          assert(!this.ledger.has(e.orderId), `order id ${e.orderId} accepted twice`);
          const isStop = e.orderType === 'stop_limit' || e.orderType === 'stop_market';
          this.ledger.set(e.orderId, {
            accepted: e,
            open: e.qty ?? 0,
            filled: 0,
            quote: e.quoteQty !== undefined,
            budget: e.quoteQty ?? 0,
            done: false,
            price: e.price,
            pendingStop: isStop,
          });
          this.openIds.add(e.orderId);
          if (!isStop) taker = e.orderId;
          break;
        }
        case 'triggered': {
          flushTaker();
          const en = this.ledger.get(e.orderId);
          assert(en && en.pendingStop && !en.done, `triggered ${e.orderId} is not a pending stop`);
          const a = en.accepted;
          assert(
            a.side === 'buy' ? e.lastPrice >= e.stopPrice : e.lastPrice <= e.stopPrice,
            `stop ${e.orderId} fired at ${e.lastPrice} with stop ${e.stopPrice}`,
          );
          en.pendingStop = false;
          taker = e.orderId;
          break;
        }
        case 'amended': {
          const en = this.ledger.get(e.orderId);
          assert(en && !en.done && !en.pendingStop, `amended ${e.orderId} is not resting`);
          assert(
            e.remaining === e.qty - en.filled,
            `amended remaining ${e.remaining} != qty ${e.qty} - filled ${en.filled}`,
          );
          const at = find(e.orderId);
          assert(at, `amended order ${e.orderId} not in the book`);
          if (e.keptPriority) {
            assert(e.price === en.price, `order ${e.orderId} kept priority across a price change`);
            assert(
              e.remaining <= en.open,
              `order ${e.orderId} kept priority while its open qty grew ${en.open} -> ${e.remaining}`,
            );
            const q = at.q[at.i]!;
            q.remaining = e.remaining;
            q.visible = Math.min(q.visible, e.remaining);
          } else {
            at.q.splice(at.i, 1);
            flushTaker();
            taker = e.orderId;
          }
          en.open = e.remaining;
          en.price = e.price;
          break;
        }
        case 'trade': {
          assert(e.tradeId === this.lastTradeId + 1, `tradeId gap: ${this.lastTradeId} -> ${e.tradeId}`);
          this.lastTradeId = e.tradeId;
          assert(e.qty > 0 && Number.isSafeInteger(e.qty), `trade qty ${e.qty}`);
          assert(e.takerOrderId === taker, `trade taker ${e.takerOrderId} is not the active order ${taker}`);
          const t = this.ledger.get(e.takerOrderId)!;
          const m = this.ledger.get(e.makerOrderId);
          assert(m && !m.done, `maker ${e.makerOrderId} is not open`);
          assert(e.aggressor === t.accepted.side && m.accepted.side === other(t.accepted.side), 'trade sides');
          assert(
            e.makerAccountId !== e.takerAccountId || t.accepted.stp === 'none',
            `self-trade of account ${e.takerAccountId} with STP ${t.accepted.stp}`,
          );
          if (t.price !== undefined)
            assert(
              t.accepted.side === 'buy' ? e.price <= t.price : e.price >= t.price,
              `trade at ${e.price} beyond the taker's limit ${t.price}`,
            );
          const q = queues.get(key(m.accepted.side, e.price));
          assert(q && q[0], `trade at ${e.price} with no resting order there`);
          const head = q[0];
          assert(
            head.id === e.makerOrderId,
            `FIFO: trade hit ${e.makerOrderId} at ${e.price} but the head of the queue is ${head.id} (queue ${q.map((x) => x.id).join(',')})`,
          );
          assert(e.qty <= head.visible, `trade qty ${e.qty} above maker's visible ${head.visible}`);
          head.visible -= e.qty;
          head.remaining -= e.qty;
          if (head.remaining === 0) q.shift();
          else if (head.visible === 0) {
            assert(
              head.display !== undefined,
              `non-iceberg ${head.id} ran out of visible qty with ${head.remaining} open`,
            );
            q.shift();
            head.visible = Math.min(head.display, head.remaining);
            q.push(head);
          }
          if (t.quote) {
            t.budget -= e.qty * e.price;
            assert(t.budget >= 0, `quote-sized ${e.takerOrderId} spent beyond its budget`);
          }
          for (const en of [t, m]) {
            en.filled += e.qty;
            if (!en.quote) {
              en.open -= e.qty;
              assert(en.open >= 0, `order ${en.accepted.orderId} overfilled`);
            }
          }
          break;
        }
        case 'canceled': {
          const en = this.ledger.get(e.orderId);
          assert(en && !en.done, `canceled ${e.orderId} is not open`);
          assert(e.qty >= 0 && (e.qty > 0 || en.quote), `canceled ${e.orderId} qty ${e.qty}`);
          en.open -= e.qty;
          assert(en.open >= 0, `order ${e.orderId} canceled beyond its open qty`);
          const at = find(e.orderId);
          if (at && e.reason === 'stp' && taker !== undefined) {
            // STP only acts when a trade would otherwise happen: a quote-sized taker must still afford a lot here.
            const t = this.ledger.get(taker)!;
            const price = Number(at.k.split(':')[1]);
            assert(
              !t.quote || t.budget >= price,
              `STP canceled maker ${e.orderId} at ${price} although taker ${taker} could only spend ${t.budget} more`,
            );
          }
          if (e.quoteQty !== undefined)
            assert(
              en.quote && e.quoteQty === en.budget,
              `canceled quoteQty ${e.quoteQty} != unspent budget ${en.budget}`,
            );
          if (at) {
            const q = at.q[at.i]!;
            q.remaining -= e.qty;
            if (q.remaining === 0) at.q.splice(at.i, 1);
            else q.visible = Math.min(q.visible, q.remaining);
          }
          if (e.reason === 'fok') assert(en.filled === 0, 'a FOK traded before being killed');
          break;
        }
        case 'done': {
          const en = this.ledger.get(e.orderId);
          assert(en && !en.done, `done for ${e.orderId} which is not open`);
          assert(en.open === 0, `done ${e.orderId} with ${en.open} lots unaccounted (qty != filled + canceled)`);
          assert(e.filled === en.filled, `done.filled ${e.filled} != traded ${en.filled} for ${e.orderId}`);
          const a = en.accepted;
          if (a.tif === 'FOK')
            assert(
              e.filled === 0 || e.filled === a.qty,
              `FOK ${e.orderId} ended ${e.filled}/${a.qty} filled (all or nothing)`,
            );
          en.done = true;
          this.openIds.delete(e.orderId);
          assert(!find(e.orderId), `done order ${e.orderId} still queued`);
          break;
        }
        case 'level':
          lastLevel.set(key(e.side, e.price), { qty: e.qty, count: e.count });
          break;
        case 'halted':
          this.halted = true;
          break;
        case 'resumed':
          this.halted = false;
          break;
        case 'rejected':
          break;
      }
    }
    flushTaker();

    // the replayed queues are the book's queues
    const model = [...queues.entries()]
      .filter(([, q]) => q.length > 0)
      .map(([k, q]) => ({ side: k.split(':')[0] as Side, price: Number(k.split(':')[1]), q }))
      .sort((a, b) =>
        a.side !== b.side ? (a.side === 'buy' ? -1 : 1) : a.side === 'buy' ? b.price - a.price : a.price - b.price,
      )
      .flatMap(({ side, price, q }) =>
        q.map((x) => ({ side, price, id: x.id, remaining: x.remaining, visible: x.visible })),
      );
    const actual = queuesOf(postL3);
    assert(
      JSON.stringify(model) === JSON.stringify(actual),
      `queues differ from the replay of the events\n model: ${JSON.stringify(model)}\n book:  ${JSON.stringify(actual)}`,
    );

    // resting orders are well-formed, the book is sorted and not crossed
    for (const o of [...postL3.bids, ...postL3.asks]) {
      assert(
        o.visible > 0 && o.visible <= o.remaining,
        `order ${o.orderId} visible ${o.visible} remaining ${o.remaining}`,
      );
      if (o.displayQty === undefined) assert(o.visible === o.remaining, `non-iceberg ${o.orderId} hides qty`);
      else assert(o.visible <= o.displayQty, `iceberg ${o.orderId} shows more than displayQty`);
    }
    const strictly = (ls: PriceLevelView[], desc: boolean) =>
      ls.every((l, i) => i === 0 || (desc ? ls[i - 1]!.price > l.price : ls[i - 1]!.price < l.price));
    assert(strictly(postL2.bids, true) && strictly(postL2.asks, false), 'levels out of order');
    const bid = postL2.bids[0];
    const ask = postL2.asks[0];
    assert(!bid || !ask || bid.price < ask.price, `crossed book: bid ${bid?.price} >= ask ${ask?.price}`);
    // l2 agrees with l3
    const agg = (os: OrderView[]) => {
      const m: PriceLevelView[] = [];
      for (const o of os) {
        const last = m[m.length - 1];
        if (last && last.price === o.price) {
          last.qty += o.visible;
          last.count++;
        } else m.push({ price: o.price, qty: o.visible, count: 1 });
      }
      return m;
    };
    assert(
      JSON.stringify(agg(postL3.bids)) === JSON.stringify(postL2.bids) &&
        JSON.stringify(agg(postL3.asks)) === JSON.stringify(postL2.asks),
      'l2 does not aggregate l3',
    );
    // level events agree with l2, and every changed level has one
    const levelMap = (l2: L2View) => {
      const m = new Map<string, { qty: number; count: number }>();
      for (const l of l2.bids) m.set(key('buy', l.price), { qty: l.qty, count: l.count });
      for (const l of l2.asks) m.set(key('sell', l.price), { qty: l.qty, count: l.count });
      return m;
    };
    const before = levelMap(preL2);
    const after = levelMap(postL2);
    for (const [k, ev] of lastLevel) {
      const now = after.get(k);
      if (ev.qty === 0)
        assert(!now && ev.count === 0, `level event says ${k} is empty but l2 has ${JSON.stringify(now)}`);
      else
        assert(
          now && now.qty === ev.qty && now.count === ev.count,
          `level event ${k} ${JSON.stringify(ev)} != l2 ${JSON.stringify(now)}`,
        );
    }
    for (const k of new Set([...before.keys(), ...after.keys()])) {
      const b = before.get(k);
      const a = after.get(k);
      if (b && a && b.qty === a.qty && b.count === a.count) continue;
      assert(lastLevel.has(k), `level ${k} changed ${JSON.stringify(b)} -> ${JSON.stringify(a)} without a level event`);
    }

    // the ledger agrees with the book: open orders are findable with the same numbers, done ones are gone
    for (const id of this.openIds) {
      const en = this.ledger.get(id)!;
      const v = book.order(id);
      assert(v, `open order ${id} not found in the book`);
      assert(v.filled === en.filled, `order ${id} filled ${v.filled} != traded ${en.filled}`);
      if (!en.quote) assert(v.remaining === en.open, `order ${id} remaining ${v.remaining} != ledger ${en.open}`);
    }
    for (const e of events)
      if (e.type === 'done') assert(!book.order(e.orderId), `done order ${e.orderId} still in book`);
  }
}

/** Applies commands with the checker; returns all events. */
export function runChecked(book: Engine, cmds: readonly BookCommand[]): BookEvent[] {
  const checker = new InvariantChecker(book);
  const all: BookEvent[] = [];
  cmds.forEach((cmd, i) => {
    try {
      all.push(...checker.apply(cmd));
    } catch (err) {
      if (err instanceof InvariantError) {
        err.message = `after command #${i} ${JSON.stringify(cmd)}:\n${err.message}`;
      }
      throw err;
    }
  });
  return all;
}

/** A compact, paste-able rendering of a command list for failure messages. */
export const showCommands = (cmds: readonly BookCommand[]) => cmds.map((c) => JSON.stringify(c)).join('\n');

/**
 * Wraps a property body so that, once it has failed, shrinking stops after `budgetMs`: later
 * candidates are reported as passing, so fast-check settles on the smallest failure found so far
 * instead of spending minutes re-running 200-command sequences.
 */
export function withShrinkBudget<A extends unknown[]>(
  body: (...args: A) => void,
  budgetMs = 8_000,
): (...args: A) => boolean {
  let failedAt: number | undefined;
  return (...args: A) => {
    if (failedAt !== undefined && Date.now() - failedAt > budgetMs) return true;
    try {
      body(...args);
      return true;
    } catch (err) {
      failedAt ??= Date.now();
      throw err;
    }
  };
}

/** fc.assert with a readable failure: the error, then the (shrunk) commands one per line. */
export function assertProperty<T extends unknown[]>(
  prop: fc.IProperty<T>,
  params: fc.Parameters<T>,
  render: (v: T) => string,
): void {
  const details = fc.check(prop, params);
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const example = details.counterexample ? render(details.counterexample) : '(none)';
  throw new Error(
    `property failed (seed ${details.seed}, path ${details.counterexamplePath}, ${details.numShrinks} shrinks):\n` +
      `${cause}\n--- counterexample ---\n${example}`,
  );
}

/** Runs `body`; returns what it threw, or undefined. */
export function failureOf(body: () => void): Error | undefined {
  try {
    body();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Greedy one-at-a-time deletion on top of fast-check's shrinking: drops every command whose
 * removal keeps the failure of the same kind, until nothing more can go or the budget is spent.
 * Removing commands keeps a sequence valid (ids and timestamps stay increasing).
 */
export function minimizeCommands(
  cmds: readonly BookCommand[],
  kindOf: (cmds: readonly BookCommand[]) => string | undefined,
  budgetMs = 4_000,
): BookCommand[] {
  const kind = kindOf(cmds);
  let current = [...cmds];
  if (kind === undefined) return current;
  const deadline = Date.now() + budgetMs;
  for (let progress = true; progress && Date.now() < deadline;) {
    progress = false;
    for (let i = current.length - 1; i >= 0 && Date.now() < deadline; i--) {
      const candidate = [...current.slice(0, i), ...current.slice(i + 1)];
      if (kindOf(candidate) === kind) {
        current = candidate;
        progress = true;
      }
    }
  }
  return current;
}

/** A failure's kind: its first line naming the broken rule, with the numbers taken out. */
export const failureKind = (err: Error | undefined): string | undefined => {
  if (!err) return undefined;
  const lines = err.message.split('\n');
  const rule = lines[0]!.startsWith('after command #') ? (lines[1] ?? '') : lines[0]!.replace(/ after command #.*/, '');
  return rule.replace(/\d+/g, '#');
};
