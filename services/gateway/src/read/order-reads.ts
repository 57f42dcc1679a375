import type { Pool } from '@exchange/db';
import type { OrderStatus } from '@exchange/client';
import type { FillState, OrderState } from '../orders/order-state';

export interface OrderRow {
  order_id: string;
  market: string;
  account_id: string;
  client_order_id: string | null;
  side: OrderState['side'];
  order_type: OrderState['orderType'];
  tif: OrderState['tif'];
  post_only: boolean | null;
  stp: OrderState['stp'];
  price: string | null;
  stop_price: string | null;
  qty: string | null;
  quote_qty: string | null;
  display_qty: string | null;
  filled: string;
  filled_quote: string;
  fee: string;
  status: OrderStatus;
  reject_reason: string | null;
  cancel_reason: string | null;
  created_seq: string;
  updated_seq: string;
  created_ts: string;
  updated_ts: string;
}

const num = (v: string | null): number | null => (v === null ? null : Number(v));

export function orderFromRow(r: OrderRow): OrderState {
  return {
    orderId: Number(r.order_id),
    market: r.market,
    accountId: Number(r.account_id),
    clientOrderId: r.client_order_id,
    side: r.side,
    orderType: r.order_type,
    tif: r.tif,
    postOnly: r.post_only,
    stp: r.stp,
    price: num(r.price),
    stopPrice: num(r.stop_price),
    qty: num(r.qty),
    quoteQty: num(r.quote_qty),
    displayQty: num(r.display_qty),
    filled: Number(r.filled),
    filledQuote: BigInt(r.filled_quote),
    fee: BigInt(r.fee),
    status: r.status,
    rejectReason: r.reject_reason,
    cancelReason: r.cancel_reason,
    createdSeq: Number(r.created_seq),
    updatedSeq: Number(r.updated_seq),
    createdTs: Number(r.created_ts),
    updatedTs: Number(r.updated_ts),
  };
}

interface FillRow {
  id: string;
  market: string;
  trade_id: string;
  role: 'maker' | 'taker';
  order_id: string;
  account_id: string;
  side: 'buy' | 'sell';
  price: string;
  qty: string;
  fee: string;
  seq: string;
  ts: string;
}

function fillFromRow(r: FillRow): FillState {
  return {
    market: r.market,
    tradeId: Number(r.trade_id),
    role: r.role,
    orderId: Number(r.order_id),
    accountId: Number(r.account_id),
    side: r.side,
    price: Number(r.price),
    qty: Number(r.qty),
    fee: BigInt(r.fee),
    seq: Number(r.seq),
    ts: Number(r.ts),
  };
}

/** Opaque keyset cursor: base64url of the last row's id. */
export const cursor = {
  encode: (id: number | string): string => Buffer.from(String(id)).toString('base64url'),
  decode: (c: string | undefined): string | null => {
    if (!c) return null;
    const v = Buffer.from(c, 'base64url').toString();
    return /^\d{1,19}$/.test(v) ? v : null;
  },
};

/** Which of an account's orders in a market: from an order id or a creation time on, up to a time, how many. */
export interface OrderWindow {
  fromOrderId?: number;
  startTime?: number;
  endTime?: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Queries of the projected orders and fills, always within one account. */
export class OrderReads {
  /**
   * @param freshen brings the projection up to the archive (read-your-writes): a lookup that
   * misses calls it once and looks again, so an order answered a moment ago is found.
   */
  constructor(
    private readonly pool: Pool,
    private readonly freshen: () => Promise<void> = async () => undefined,
  ) {}

  private async orFresh<T>(lookup: () => Promise<T | null>): Promise<T | null> {
    const hit = await lookup();
    if (hit) return hit;
    await this.freshen();
    return lookup();
  }

  byId(orderId: number): Promise<OrderState | null> {
    return this.orFresh(async () => {
      const { rows } = await this.pool.query<OrderRow>('SELECT * FROM orders WHERE order_id = $1', [orderId]);
      return rows[0] ? orderFromRow(rows[0]) : null;
    });
  }

  /** The account's order with this client id: an open one first, else the latest. */
  byClientId(accountId: number, clientOrderId: string, market?: string): Promise<OrderState | null> {
    return this.orFresh(() => this.byClientIdNow(accountId, clientOrderId, market));
  }

  private async byClientIdNow(accountId: number, clientOrderId: string, market?: string): Promise<OrderState | null> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT * FROM orders WHERE account_id = $1 AND client_order_id = $2 AND ($3::text IS NULL OR market = $3)
       ORDER BY (status IN ('NEW', 'PARTIALLY_FILLED')) DESC, order_id DESC LIMIT 1`,
      [accountId, clientOrderId, market ?? null],
    );
    return rows[0] ? orderFromRow(rows[0]) : null;
  }

  async open(accountId: number, market?: string, limit = 1000): Promise<OrderState[]> {
    // the open statuses written out, as in the partial index orders_open's predicate: Postgres can
    // match a parameter to that predicate only in a plan made with the parameter's value
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT * FROM orders WHERE account_id = $1 AND status IN ('NEW', 'PARTIALLY_FILLED')
         AND ($2::text IS NULL OR market = $2) ORDER BY order_id LIMIT $3`,
      [accountId, market ?? null, limit],
    );
    return rows.map(orderFromRow);
  }

  /**
   * The account's orders in one market that the book took, oldest first: from order id
   * `fromOrderId` or from `startTime` (creation) on when either is given, else the newest `limit`
   * (Binance's allOrders). A place the book rejected is left out: it never was an order on the book,
   * as on Binance, whose allOrders lists no rejected order.
   */
  async inMarket(accountId: number, market: string, w: OrderWindow): Promise<OrderState[]> {
    const ascending = w.fromOrderId !== undefined || w.startTime !== undefined;
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT * FROM orders WHERE account_id = $1 AND market = $2 AND status <> 'REJECTED' AND ($3::bigint IS NULL OR order_id >= $3)
         AND ($4::bigint IS NULL OR created_ts >= $4) AND ($5::bigint IS NULL OR created_ts <= $5)
       ORDER BY order_id ${ascending ? 'ASC' : 'DESC'} LIMIT $6`,
      [accountId, market, w.fromOrderId ?? null, w.startTime ?? null, w.endTime ?? null, w.limit],
    );
    if (!ascending) rows.reverse();
    return rows.map(orderFromRow);
  }

  /** Newest first. */
  async history(
    accountId: number,
    q: { market?: string; status?: OrderStatus; limit: number; cursor?: string },
  ): Promise<Page<OrderState>> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT * FROM orders WHERE account_id = $1 AND ($2::text IS NULL OR market = $2) AND ($3::text IS NULL OR status = $3)
         AND ($4::bigint IS NULL OR order_id < $4) ORDER BY order_id DESC LIMIT $5`,
      [accountId, q.market ?? null, q.status ?? null, cursor.decode(q.cursor), q.limit + 1],
    );
    const items = rows.slice(0, q.limit).map(orderFromRow);
    return { items, nextCursor: rows.length > q.limit ? cursor.encode(items[items.length - 1]!.orderId) : null };
  }

  /** Newest first. */
  async fills(
    accountId: number,
    q: { market?: string; orderId?: number; limit: number; cursor?: string },
  ): Promise<Page<FillState>> {
    const { rows } = await this.pool.query<FillRow>(
      `SELECT * FROM fills WHERE account_id = $1 AND ($2::text IS NULL OR market = $2) AND ($3::bigint IS NULL OR order_id = $3)
         AND ($4::bigint IS NULL OR id < $4) ORDER BY id DESC LIMIT $5`,
      [accountId, q.market ?? null, q.orderId ?? null, cursor.decode(q.cursor), q.limit + 1],
    );
    const items = rows.slice(0, q.limit);
    return {
      items: items.map(fillFromRow),
      nextCursor: rows.length > q.limit ? cursor.encode(items[items.length - 1]!.id) : null,
    };
  }
}
