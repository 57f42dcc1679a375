/** Request and response shapes of the gateway's REST API (v1). Decimals always travel as strings. */

export type Side = 'buy' | 'sell';
export type OrderType = 'limit' | 'market' | 'stop_limit' | 'stop_market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK';
export type StpMode = 'none' | 'cancel_newest' | 'cancel_oldest' | 'cancel_both' | 'decrement_and_cancel';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type Scope = 'read' | 'trade' | 'admin';

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PlaceOrderRequest {
  market: string;
  side: Side;
  type: OrderType;
  /** GTC when absent (IOC for market orders). */
  tif?: TimeInForce;
  price?: string;
  qty?: string;
  /** Market orders only: size as an amount of quote to spend (buy) or receive (sell). */
  quoteQty?: string;
  stopPrice?: string;
  displayQty?: string;
  postOnly?: boolean;
  /** cancel_oldest (Binance EXPIRE_MAKER) when absent. */
  stp?: StpMode;
  /** Generated when absent; unique among the account's open orders. */
  clientOrderId?: string;
  /** `result` (default) waits for the engine's outcome; `ack` answers once the order is durably queued. */
  respType?: 'ack' | 'result';
}

/** POST /v1/orders/test: the order as a place would enqueue it, defaults filled in; nothing placed. */
export interface OrderCheck {
  market: string;
  side: Side;
  type: OrderType;
  tif: TimeInForce;
  stp: StpMode;
  postOnly: boolean;
  /** Decimals as sent (they passed the market's units). */
  price: string | null;
  qty: string | null;
  quoteQty: string | null;
  stopPrice: string | null;
  displayQty: string | null;
  /** As sent; a place generates one when absent. */
  clientOrderId: string | null;
}

export interface AmendOrderRequest {
  price?: string;
  qty?: string;
}

export interface Order {
  orderId: number;
  clientOrderId: string | null;
  market: string;
  side: Side | null;
  type: OrderType | null;
  tif: TimeInForce | null;
  postOnly: boolean | null;
  stp: StpMode | null;
  price: string | null;
  stopPrice: string | null;
  qty: string | null;
  quoteQty: string | null;
  displayQty: string | null;
  filled: string;
  /** Fees charged so far, in the quote asset. */
  fee: string;
  /** PENDING: queued, outcome not known yet (202). */
  status: OrderStatus | 'PENDING';
  rejectReason: string | null;
  createdAt: number | null;
  updatedAt: number | null;
}

export interface Fill {
  tradeId: number;
  market: string;
  orderId: number;
  side: Side;
  role: 'maker' | 'taker';
  price: string;
  qty: string;
  fee: string;
  feeAsset: string;
  ts: number;
}

/** An order command's answer: the order as the engine left it, and its fills in that command. */
export interface OrderResult extends Order {
  fills: Fill[];
}

export interface CancelAllResult {
  market: string;
  canceledOrderIds: number[];
  /** true when the engine had not answered within the gateway's wait (202). */
  pending: boolean;
}

export interface Market {
  symbol: string;
  base: string;
  quote: string;
  baseDecimals: number;
  quoteDecimals: number;
  tickSize: string;
  lotSize: string;
  minQty: string;
  minNotional: string;
  makerFeeBps: number;
  takerFeeBps: number;
  /** Most orders one account may have open in this market, enforced by the book (null: no cap there). */
  maxOpenOrders: number | null;
  status: 'trading' | 'halted';
}

export interface BookDepth {
  market: string;
  /** seq of the last event reflected (Binance lastUpdateId). */
  lastUpdateId: number;
  bids: Array<[price: string, qty: string]>;
  asks: Array<[price: string, qty: string]>;
}

export interface PublicTrade {
  tradeId: number;
  price: string;
  qty: string;
  /** The taker's side. */
  side: Side;
  ts: number;
}

export interface Ticker {
  market: string;
  last: string | null;
  open: string | null;
  high: string | null;
  low: string | null;
  volume: string;
  quoteVolume: string;
  bestBid: string | null;
  bestAsk: string | null;
  trades: number;
  /** The 24 h window ends now. */
  windowStart: number;
}

export type CandleInterval = '1m' | '5m' | '15m' | '1h' | '4h' | '1d';

export interface Candle {
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  trades: number;
}

export interface Balance {
  asset: string;
  available: string;
  locked: string;
}

export interface LedgerEntry {
  id: string;
  asset: string;
  bucket: 'available' | 'locked';
  /** Signed change of that bucket. */
  amount: string;
  /** e:{market}:{seq} (settlement of an event), c:{market}:{entry} (a lock), t:{transfer id} */
  cause: string;
  ts: number;
}

export interface Account {
  accountId: number;
  label: string | null;
  createdAt: number | null;
}

export interface ApiKey {
  keyId: string;
  accountId: number;
  label: string;
  scopes: Scope[];
  ipAllowlist: string[];
  createdAt: number;
  revokedAt: number | null;
}

/** The secret is shown once, at creation. */
export interface CreatedApiKey extends ApiKey {
  secret: string;
}

export interface CreateMarketRequest {
  symbol: string;
  base: string;
  quote: string;
  tickSize: string;
  lotSize: string;
  minQty: string;
  minNotional?: string;
  makerFeeBps?: number;
  takerFeeBps?: number;
  /** The book's cap on one account's open orders in the market (Binance MAX_NUM_ORDERS); fixed at creation. */
  maxOpenOrders?: number;
}

export interface TransferRequest {
  accountId: number;
  asset: string;
  amount: string;
  /** Caller's reference, unique per transfer kind: a repeat is not applied twice. */
  reference: string;
}

export interface Transfer {
  transferId: string;
  accountId: number;
  asset: string;
  amount: string;
  kind: 'deposit' | 'withdrawal';
  reference: string;
}

export interface AuditEntry {
  id: number;
  at: number;
  actorKeyId: string;
  actorAccountId: number;
  ip: string | null;
  action: string;
  target: string | null;
  status: number;
}

/** One asset of the conservation check: what user and fee accounts hold against net transfers. */
export interface AssetConservation {
  asset: string;
  /** Σ (available + locked) over user and fee accounts. */
  held: string;
  /** Σ deposits − Σ withdrawals. */
  netTransfers: string;
  /** held = netTransfers */
  ok: boolean;
}

// ---- admin replay (services/replay; mirrors packages/replay/src/types.ts without its zod) ----

export type ReplayMode = 'verify' | 'reconstruct' | 'export';
export type ReplayState = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
/** Where a replay stops: a seq (for every market of the request), an ISO time, or the end when absent. */
export type ReplayUntil = { seq: number } | { time: string };

export interface ReplayRequest {
  markets: string[];
  mode: ReplayMode;
  until?: ReplayUntil;
  /** Start from the newest engine snapshot at or below the end point. */
  fromSnapshot?: boolean;
  /** reconstruct: L2 levels per side in the result. */
  depth?: number;
}

/** The first place replayed and archived (or live) state disagree. */
export interface ReplayDivergence {
  seq: number;
  /** EVENT_MISMATCH, EVENT_MISSING, EVENT_EXTRA, SEQ_RANGE, STATE_HASH, CHECKPOINT, LEDGER_MISMATCH, LEDGER_EXTRA, BALANCE */
  reason: string;
  expected: unknown;
  actual: unknown;
  cause?: string;
}

export interface ReplayMarketResult {
  market: string;
  seq: number;
  fromSeq?: number;
  commands?: number;
  events?: number;
  replayedHash: string;
  liveHash: string | null;
  liveSeq?: number | null;
  match: boolean;
  firstDivergence: ReplayDivergence | null;
  /** reconstruct: the book at `seq`. */
  book?: unknown;
}

export interface ReplayBalanceResult {
  replayedHash: string;
  liveHash: string;
  liveSource?: 'balances' | 'ledger';
  match: boolean;
  firstDivergence: ReplayDivergence | null;
  markets?: string[];
  causes?: number;
}

export interface ReplayResult {
  match: boolean;
  markets: ReplayMarketResult[];
  balances: ReplayBalanceResult | null;
  /** export: events written. */
  exported?: number;
}

export interface ReplayJob {
  jobId: string;
  mode: ReplayMode;
  markets: string[];
  until: ReplayUntil | null;
  state: ReplayState;
  progress: { eventsReplayed: number; totalEvents: number; percent: number };
  result: ReplayResult | null;
  error?: { code: string; message: string };
  createdAt?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
}
