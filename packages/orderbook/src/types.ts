/**
 * Commands into and events out of one order book. Every quantity here is an integer in market
 * units: prices in ticks, quantities in lots, quote amounts in tick·lot units (price ticks × lots).
 * They are JS numbers bounded by Number.MAX_SAFE_INTEGER, checked on the way in; the book never
 * multiplies two of them, so no intermediate can leave the safe range. Decimal strings are turned
 * into these units by @exchange/units at the edge (see matcher.ts).
 */

export type Side = 'buy' | 'sell';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type OrderType = 'limit' | 'market' | 'stop_limit' | 'stop_market';

/**
 * Self-trade prevention, decided by the incoming (taker) order as Binance does.
 * cancel_newest = Binance EXPIRE_TAKER, cancel_oldest = EXPIRE_MAKER, cancel_both = EXPIRE_BOTH,
 * decrement_and_cancel = Coinbase "dc": both shrink by the smaller size, the smaller one is canceled.
 */
export type StpMode = 'none' | 'cancel_newest' | 'cancel_oldest' | 'cancel_both' | 'decrement_and_cancel';

export interface PlaceOrder {
  type: 'place';
  /** Command timestamp in ms, chosen upstream; the book never reads a clock. */
  ts: number;
  /**
   * Assigned upstream and strictly increasing in command order within a book (the gateway takes it
   * from a Redis counter in the same atomic script that appends the command). So a reused id, open or
   * long closed, is caught in O(1) memory: any id not above the last accepted one is a duplicate.
   */
  orderId: number;
  accountId: number;
  /** Unique among the account's open orders in this book. */
  clientOrderId?: string;
  side: Side;
  orderType: OrderType;
  /** Limit price (limit, stop_limit); for market orders an optional protection (worst) price. */
  price?: number;
  /** Size in lots. Exactly one of qty and quoteQty; quoteQty only for market and stop_market. */
  qty?: number;
  /** Size of a market order as a quote budget in tick·lot units. */
  quoteQty?: number;
  /** Trigger price for stop orders: buy stops fire when last trade ≥ stop, sell stops when ≤ stop. */
  stopPrice?: number;
  /** GTC, IOC or FOK. Market orders take IOC or FOK. */
  tif: TimeInForce;
  /** GTC limit orders only. Rejected, never repriced, when it would take liquidity. */
  postOnly?: boolean;
  /** Iceberg: only this much shows in the book; each refill goes to the back of its level. */
  displayQty?: number;
  stp: StpMode;
}

export interface CancelOrder {
  type: 'cancel';
  ts: number;
  accountId: number;
  /** One of orderId or clientOrderId. */
  orderId?: number;
  clientOrderId?: string;
}

export interface CancelAll {
  type: 'cancel_all';
  ts: number;
  accountId: number;
}

/**
 * Reducing the quantity at the same price keeps time priority; a new price or a larger quantity
 * loses it (the order is taken out and placed again, and may trade as a taker).
 */
export interface AmendOrder {
  type: 'amend';
  ts: number;
  accountId: number;
  orderId?: number;
  clientOrderId?: string;
  /** New limit price in ticks. */
  price?: number;
  /** New total quantity in lots (filled + open), as Binance and Kraken define it. */
  qty?: number;
}

/** A halted book rejects new orders and amends, keeps its resting orders, and still takes cancels. */
export interface HaltMarket {
  type: 'halt';
  ts: number;
}

export interface ResumeMarket {
  type: 'resume';
  ts: number;
}

export type BookCommand = PlaceOrder | CancelOrder | CancelAll | AmendOrder | HaltMarket | ResumeMarket;
export type CommandType = BookCommand['type'];

/** Stable reason codes. Never renamed: clients and the event archive depend on them. */
export type BookRejectReason =
  | 'INVALID_COMMAND'
  | 'INVALID_ORDER_ID'
  | 'INVALID_QUANTITY'
  | 'INVALID_PRICE'
  | 'INVALID_TIME_IN_FORCE'
  | 'INVALID_ORDER'
  | 'DUPLICATE_ORDER_ID'
  | 'DUPLICATE_CLIENT_ORDER_ID'
  | 'UNKNOWN_ORDER'
  | 'NO_OPEN_ORDERS'
  | 'POST_ONLY_WOULD_TAKE'
  | 'STOP_WOULD_TRIGGER_IMMEDIATELY'
  | 'MARKET_HALTED'
  | 'TOO_MANY_OPEN_ORDERS'
  | 'LEVEL_QUANTITY_OVERFLOW'
  | 'AMEND_QTY_NOT_ABOVE_FILLED'
  | 'AMEND_NOT_SUPPORTED';

export type CancelReason = 'user' | 'cancel_all' | 'ioc' | 'fok' | 'stp' | 'amend';
export type DoneReason = 'filled' | 'canceled';

interface EventBase {
  /** Gapless per book, starting at 1. */
  seq: number;
  /** The causing command's timestamp. */
  ts: number;
}

export interface AcceptedEvent extends EventBase {
  type: 'accepted';
  orderId: number;
  accountId: number;
  clientOrderId?: string;
  side: Side;
  orderType: OrderType;
  price?: number;
  qty?: number;
  quoteQty?: number;
  stopPrice?: number;
  tif: TimeInForce;
  postOnly: boolean;
  displayQty?: number;
  stp: StpMode;
}

/**
 * What a place said it was, beyond its ids and amounts: its `rejected` event carries these (each
 * only when well-typed), so an order view of a refused place shows its side and type (ADR 0006).
 */
export interface PlaceTerms {
  side?: Side;
  orderType?: OrderType;
  tif?: TimeInForce;
  postOnly?: boolean;
  stp?: StpMode;
}

export interface RejectedEvent extends EventBase, PlaceTerms {
  type: 'rejected';
  command: CommandType;
  reason: BookRejectReason | string;
  /** Which field was at fault, when one was. */
  field?: string;
  orderId?: number;
  accountId?: number;
  clientOrderId?: string;
}

export interface TradeEvent extends EventBase {
  type: 'trade';
  /** Gapless per book, starting at 1. */
  tradeId: number;
  price: number;
  qty: number;
  aggressor: Side;
  makerOrderId: number;
  makerAccountId: number;
  takerOrderId: number;
  takerAccountId: number;
}

export interface CanceledEvent extends EventBase {
  type: 'canceled';
  orderId: number;
  accountId: number;
  /** Lots removed without trading (0 for a quote-sized market order). */
  qty: number;
  /** Unspent quote budget of a quote-sized market order, in tick·lot units. */
  quoteQty?: number;
  reason: CancelReason;
}

export interface AmendedEvent extends EventBase {
  type: 'amended';
  orderId: number;
  accountId: number;
  price: number;
  /** New total quantity. */
  qty: number;
  /** Open quantity after the amend. */
  remaining: number;
  keptPriority: boolean;
}

/**
 * Exactly one per accepted order, when it leaves the book for good. reason is 'filled' when its
 * last open quantity went in a trade, 'canceled' when it went any other way.
 */
export interface DoneEvent extends EventBase {
  type: 'done';
  orderId: number;
  accountId: number;
  reason: DoneReason;
  /** Lots filled over the order's life. */
  filled: number;
}

export interface TriggeredEvent extends EventBase {
  type: 'triggered';
  orderId: number;
  accountId: number;
  stopPrice: number;
  lastPrice: number;
}

/** A price level's new visible total; qty 0 means the level is gone. */
export interface LevelEvent extends EventBase {
  type: 'level';
  side: Side;
  price: number;
  qty: number;
  count: number;
}

export interface HaltedEvent extends EventBase {
  type: 'halted';
}

export interface ResumedEvent extends EventBase {
  type: 'resumed';
}

export type BookEvent =
  | AcceptedEvent
  | RejectedEvent
  | TradeEvent
  | CanceledEvent
  | AmendedEvent
  | DoneEvent
  | TriggeredEvent
  | LevelEvent
  | HaltedEvent
  | ResumedEvent;

export type BookEventType = BookEvent['type'];
export type BookEventOf<T extends BookEventType> = Extract<BookEvent, { type: T }>;

export interface PriceLevelView {
  price: number;
  qty: number;
  count: number;
}

export interface L1View {
  seq: number;
  bid?: PriceLevelView;
  ask?: PriceLevelView;
}

export interface L2View {
  seq: number;
  bids: PriceLevelView[];
  asks: PriceLevelView[];
}

export interface OrderView {
  orderId: number;
  accountId: number;
  clientOrderId?: string;
  side: Side;
  orderType: OrderType;
  price: number;
  /** Original total quantity (after amends). */
  qty: number;
  /** Open quantity, hidden part included. */
  remaining: number;
  /** What shows in the book now. */
  visible: number;
  filled: number;
  displayQty?: number;
  tif: TimeInForce;
  postOnly: boolean;
  stp: StpMode;
  /** Stop orders, pending or already triggered. */
  stopPrice?: number;
  quoteQty?: number;
  /** Timestamp of the command that gave the order its current queue position. */
  ts: number;
}

export interface L3View {
  seq: number;
  bids: OrderView[];
  asks: OrderView[];
}

export interface BookConfig {
  symbol: string;
  /** Open orders (resting and pending stops) one account may hold in this book. */
  maxOpenOrdersPerAccount?: number;
}

/** A plain, JSON-serializable picture of everything the book knows. */
export interface BookSnapshot {
  version: 1;
  config: BookConfig;
  seq: number;
  tradeId: number;
  lastPrice: number | null;
  halted: boolean;
  /** Highest order id accepted so far; a new order must carry a larger one. */
  lastOrderId: number;
  /** Resting orders in priority order: bids best first, then asks best first; FIFO within a level. */
  bids: OrderView[];
  asks: OrderView[];
  /** Pending stops in trigger order. */
  stops: OrderView[];
}
