import { randomBytes } from 'node:crypto';
import type { Pool } from '@exchange/db';
import { keys } from '@exchange/protocol';
import { createRedis, type Redis } from '@exchange/service-kit';
import { loadEngineConfig, type EngineConfig } from '../src/config';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A market symbol no other test file uses. */
export const uniqueSymbol = (prefix: string): string =>
  `${prefix}${randomBytes(4).toString('hex').toUpperCase()}`.slice(0, 20);

export async function createMarket(
  pool: Pool,
  symbol: string,
  opts: { shard?: string; status?: 'trading' | 'halted'; maxOpenOrders?: number } = {},
): Promise<void> {
  await pool.query(`INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 8) ON CONFLICT DO NOTHING`);
  await pool.query(
    `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, maker_fee_bps, taker_fee_bps, status, shard, max_open_orders)
     VALUES ($1, 'BTC', 'USDT', '0.01', '0.00001', '0.00001', '0', 10, 20, $2, $3, $4)`,
    [symbol, opts.status ?? 'trading', opts.shard ?? 'default', opts.maxOpenOrders ?? null],
  );
}

export function engineConfig(schema: string, env: Record<string, string> = {}): EngineConfig {
  return loadEngineConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL,
    DATABASE_SCHEMA: schema,
    LOG_LEVEL: 'silent',
    ENGINE_BLOCK_MS: '50',
    ENGINE_MAINTENANCE_MS: '200',
    ...env,
  });
}

export async function cleanRedis(redis: Redis, symbols: string[]): Promise<void> {
  for (const s of symbols) await redis.del(keys.engineStream(s), keys.eventStream(s), keys.commandStream(s));
}

export const redis = (name: string): Redis => createRedis(REDIS_URL, name);

let commandSeq = 0;
export function place(
  market: string,
  orderId: number,
  accountId: number,
  side: 'buy' | 'sell',
  price: string,
  qty: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: 'place',
    commandId: `c${++commandSeq}`,
    market,
    ts: 1_700_000_000_000 + commandSeq,
    accountId,
    orderId,
    side,
    orderType: 'limit',
    price,
    qty,
    tif: 'GTC',
    stp: 'none',
    ...extra,
  };
}

export function command(market: string, type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { type, commandId: `c${++commandSeq}`, market, ts: 1_700_000_000_000 + commandSeq, ...fields };
}

/** Writes entries to engine:{market} the way the lock stage does; returns the input ids. */
export async function send(
  r: Redis,
  market: string,
  startInput: number,
  commands: Array<Record<string, unknown> | { raw: string; lockRejected?: string }>,
): Promise<string[]> {
  const ids: string[] = [];
  const p = r.pipeline();
  commands.forEach((c, k) => {
    const i = `${startInput + k}-0`;
    ids.push(i);
    if ('raw' in c && typeof c.raw === 'string') {
      const fields = ['i', i, 'c', c.raw];
      if (c.lockRejected) fields.push('r', String(c.lockRejected));
      p.xadd(keys.engineStream(market), '*', ...fields);
    } else p.xadd(keys.engineStream(market), '*', 'i', i, 'c', JSON.stringify(c));
  });
  await p.exec();
  return ids;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  ms = 15_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function checkpoint(
  pool: Pool,
  market: string,
): Promise<{ last_seq: string; last_input_id: string } | undefined> {
  const { rows } = await pool.query<{ last_seq: string; last_input_id: string }>(
    'SELECT last_seq, last_input_id FROM engine_checkpoints WHERE market = $1',
    [market],
  );
  return rows[0];
}

/** Waits until the engine archived input `inputId` and acked everything. */
export async function drained(pool: Pool, r: Redis, market: string, inputId: string, ms = 20_000): Promise<void> {
  await waitFor(
    `${market} to reach input ${inputId}`,
    async () => {
      const cp = await checkpoint(pool, market);
      if (!cp || cp.last_input_id !== inputId) return false;
      const pending = (await r.xpending(keys.engineStream(market), 'engine')) as [number];
      return pending[0] === 0;
    },
    ms,
  );
}

export async function archivedEvents(pool: Pool, market: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await pool.query<{ body: string }>(
    'SELECT body::text AS body FROM events WHERE market = $1 ORDER BY seq',
    [market],
  );
  return rows.map((r) => JSON.parse(r.body) as Record<string, unknown>);
}
