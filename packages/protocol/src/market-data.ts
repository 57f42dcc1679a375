import type { CancelReason, DoneReason, OrderType, PlaceTerms, Side, StpMode, TimeInForce } from '@exchange/orderbook';
import type { AccountBalancesMessage } from './account-updates';

/**
 * What the engine publishes on Redis pub/sub, derived from its event log after each archived batch.
 * Prices and quantities are decimal strings in the market's canonical form (`market.formatPrice` /
 * `formatQty`), never floats. Pub/sub may drop messages; sequence numbers let a reader notice and
 * resync from a snapshot. Every message is one JSON object.
 */

/** `[price, qty]`, qty absolute; `"0"` removes the level. */
export type MdLevel = [price: string, qty: string];

/**
 * Changed price levels of one archived batch, on `md:{market}`. `U`/`u` are the first and last seq of
 * the `level` events it covers; `pu` is a seq such that no level changed in (pu, U): normally the
 * previous book message's `u`, after an engine restart the seq it recovered to. A reader whose book
 * is current as of seq `last` drops a message with `u <= last`, applies one with `pu <= last`, and
 * otherwise has missed an update and resyncs.
 */
export interface MdBookMessage {
  type: 'book';
  market: string;
  U: number;
  u: number;
  pu: number;
  /** Changed bid levels, best first. */
  bids: MdLevel[];
  /** Changed ask levels, best first. */
  asks: MdLevel[];
  /**
   * Kraken-style CRC32 (unsigned) of the top `depth` levels after this message: asks low to high,
   * then bids high to low; for each level price then qty with the '.' removed and leading zeros stripped.
   */
  checksum: number;
  depth: number;
  /** ts of the command of the last level event. */
  ts: number;
}

export interface MdTrade {
  seq: number;
  tradeId: number;
  price: string;
  qty: string;
  /** The aggressor's (taker's) side. */
  side: Side;
  ts: number;
}

/** The trades of one archived batch, in seq order, on `md:{market}`. */
export interface MdTradesMessage {
  type: 'trades';
  market: string;
  trades: MdTrade[];
}

/** Last trade price and best bid/ask after a batch that changed any of them, on `md:{market}`. */
export interface MdTickerMessage {
  type: 'ticker';
  market: string;
  /** Last seq of the batch. */
  seq: number;
  last: string | null;
  bid: MdLevel | null;
  ask: MdLevel | null;
  ts: number;
}

/** The market was halted or resumed (by a command through the stream), on `md:{market}`. */
export interface MdStatusMessage {
  type: 'status';
  market: string;
  seq: number;
  status: 'trading' | 'halted';
  ts: number;
}

export type MarketDataMessage = MdBookMessage | MdTradesMessage | MdTickerMessage | MdStatusMessage;

interface UpdateBase {
  seq: number;
  ts: number;
  /** The command that caused it. */
  commandId: string;
}

/** One change to one of the account's orders, from one event of the log. */
export type OrderUpdate =
  | (UpdateBase & {
      kind: 'accepted';
      orderId: number;
      clientOrderId?: string;
      side: Side;
      orderType: OrderType;
      price?: string;
      qty?: string;
      quoteQty?: string;
      stopPrice?: string;
      displayQty?: string;
      tif: TimeInForce;
      postOnly: boolean;
      stp: StpMode;
    })
  | (UpdateBase & {
      kind: 'rejected';
      command: string;
      reason: string;
      field?: string;
      orderId?: number;
      clientOrderId?: string;
    } & PlaceTerms)
  | (UpdateBase & {
      kind: 'fill';
      orderId: number;
      tradeId: number;
      price: string;
      qty: string;
      side: Side;
      liquidity: 'maker' | 'taker';
    })
  | (UpdateBase & { kind: 'canceled'; orderId: number; qty: string; quoteQty?: string; reason: CancelReason })
  | (UpdateBase & {
      kind: 'amended';
      orderId: number;
      price: string;
      qty: string;
      remaining: string;
      keptPriority: boolean;
    })
  | (UpdateBase & { kind: 'done'; orderId: number; reason: DoneReason; filled: string })
  | (UpdateBase & { kind: 'triggered'; orderId: number; stopPrice: string; lastPrice: string });

/** The account's order updates of one archived batch in one market, in seq order, on `acct:{accountId}`. */
export interface AccountOrdersMessage {
  type: 'orders';
  market: string;
  accountId: number;
  updates: OrderUpdate[];
}

/** Everything on `acct:{accountId}`: the engine's order updates and the balance manager's balances. */
export type AccountMessage = AccountOrdersMessage | AccountBalancesMessage;
