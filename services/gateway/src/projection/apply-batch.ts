import type { PoolClient } from '@exchange/db';
import type { EngineEvent } from '@exchange/protocol';
import type { MarketEntry } from '../markets/registry';
import { applyEvent, type FillState, type OrderState } from '../orders/order-state';
import { orderFromRow, type OrderRow } from '../read/order-reads';

/** Order ids an event reads or changes. */
function orderIdsOf(e: EngineEvent): number[] {
  switch (e.type) {
    case 'trade':
      return [e.makerOrderId, e.takerOrderId];
    case 'canceled':
    case 'amended':
    case 'done':
    case 'triggered':
      return [e.orderId];
    case 'rejected':
      return e.orderId === undefined ? [] : [e.orderId];
    default:
      return [];
  }
}

function orderRow(o: OrderState): Record<string, unknown> {
  return {
    order_id: o.orderId,
    market: o.market,
    account_id: o.accountId,
    client_order_id: o.clientOrderId,
    side: o.side,
    order_type: o.orderType,
    tif: o.tif,
    post_only: o.postOnly,
    stp: o.stp,
    price: o.price,
    stop_price: o.stopPrice,
    qty: o.qty,
    quote_qty: o.quoteQty,
    display_qty: o.displayQty,
    filled: o.filled,
    filled_quote: o.filledQuote.toString(),
    fee: o.fee.toString(),
    status: o.status,
    reject_reason: o.rejectReason,
    cancel_reason: o.cancelReason,
    created_seq: o.createdSeq,
    updated_seq: o.updatedSeq,
    created_ts: o.createdTs,
    updated_ts: o.updatedTs,
  };
}

const ORDER_COLUMNS = Object.keys(orderRow({ filledQuote: 0n, fee: 0n } as OrderState));
const FILL_COLUMNS = [
  'market',
  'trade_id',
  'role',
  'order_id',
  'account_id',
  'side',
  'price',
  'qty',
  'fee',
  'seq',
  'ts',
];
const TRADE_COLUMNS = ['market', 'trade_id', 'price', 'qty', 'aggressor', 'seq', 'ts'];

/**
 * Folds a contiguous run of one market's events into the read model inside the caller's
 * transaction: set-based writes (one statement per table), the checkpoint is the caller's.
 */
export async function applyBatch(client: PoolClient, market: MarketEntry, events: EngineEvent[]): Promise<void> {
  const ids = [...new Set(events.flatMap(orderIdsOf))];
  const orders = new Map<number, OrderState>();
  if (ids.length) {
    const { rows } = await client.query<OrderRow>('SELECT * FROM orders WHERE order_id = ANY($1::bigint[])', [ids]);
    for (const r of rows) orders.set(Number(r.order_id), orderFromRow(r));
  }
  const before = new Map([...orders].map(([id, o]) => [id, o.updatedSeq]));
  const fills: FillState[] = [];
  const trades: Array<Record<string, unknown>> = [];
  const levels = new Map<string, { side: string; price: number; qty: number; count: number }>();
  let status: 'trading' | 'halted' | null = null;

  for (const e of events) {
    fills.push(...applyEvent(orders, market, e));
    if (e.type === 'trade') {
      trades.push({
        market: market.symbol,
        trade_id: e.tradeId,
        price: e.price,
        qty: e.qty,
        aggressor: e.aggressor,
        seq: e.seq,
        ts: e.ts,
      });
    } else if (e.type === 'level') {
      levels.set(`${e.side}:${e.price}`, { side: e.side, price: e.price, qty: e.qty, count: e.count });
    } else if (e.type === 'halted') status = 'halted';
    else if (e.type === 'resumed') status = 'trading';
  }

  const changed = [...orders.values()].filter((o) => before.get(o.orderId) !== o.updatedSeq).map(orderRow);
  if (changed.length) {
    const cols = ORDER_COLUMNS.join(', ');
    const updates = ORDER_COLUMNS.filter((c) => c !== 'order_id')
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', ');
    await client.query(
      `INSERT INTO orders (${cols}) SELECT ${cols} FROM json_populate_recordset(null::orders, $1)
       ON CONFLICT (order_id) DO UPDATE SET ${updates}`,
      [JSON.stringify(changed)],
    );
  }
  if (fills.length) {
    const rows = fills.map((f) => ({
      market: f.market,
      trade_id: f.tradeId,
      role: f.role,
      order_id: f.orderId,
      account_id: f.accountId,
      side: f.side,
      price: f.price,
      qty: f.qty,
      fee: f.fee.toString(),
      seq: f.seq,
      ts: f.ts,
    }));
    const cols = FILL_COLUMNS.join(', ');
    await client.query(`INSERT INTO fills (${cols}) SELECT ${cols} FROM json_populate_recordset(null::fills, $1)`, [
      JSON.stringify(rows),
    ]);
  }
  if (trades.length) {
    const cols = TRADE_COLUMNS.join(', ');
    await client.query(`INSERT INTO trades (${cols}) SELECT ${cols} FROM json_populate_recordset(null::trades, $1)`, [
      JSON.stringify(trades),
    ]);
  }
  if (levels.size) {
    const all = [...levels.values()].map((l) => ({ market: market.symbol, ...l }));
    await client.query(
      `DELETE FROM book_levels b USING json_populate_recordset(null::book_levels, $1) l
       WHERE b.market = l.market AND b.side = l.side AND b.price = l.price`,
      [JSON.stringify(all)],
    );
    const live = all.filter((l) => l.qty > 0);
    if (live.length) {
      await client.query(
        `INSERT INTO book_levels (market, side, price, qty, count)
         SELECT market, side, price, qty, count FROM json_populate_recordset(null::book_levels, $1)`,
        [JSON.stringify(live)],
      );
    }
  }
  if (status) await client.query('UPDATE markets SET status = $2 WHERE symbol = $1', [market.symbol, status]);
}
