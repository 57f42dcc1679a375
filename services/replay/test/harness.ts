/**
 * The real pipeline in-process for replay tests: balance manager (lock stage and settlement) and
 * engine on a fresh schema, real Redis. Commands go into cmd:{market} as the gateway writes them;
 * the engine object is exposed so a test can capture its books.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type Pool, type TestDatabase } from '@exchange/db';
import {
  configSchema as bmConfigSchema,
  createAccount,
  deposit,
  startBalanceManager,
  type BalanceManager,
} from '@exchange/balance-manager';
import { Engine, engineConfigSchema } from '@exchange/engine';
import { keys } from '@exchange/protocol';
import { createLogger, createRedis, type Redis } from '@exchange/service-kit';
import { waitFor } from '../../engine/test/helpers';

export { waitFor };

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger('replay-test', 'silent');

export const uniqueSymbol = (prefix: string): string =>
  `${prefix}${randomBytes(4).toString('hex').toUpperCase()}`.slice(0, 20);

/** tick 0.01, lot 0.00001 (the engine workload's units), BTC/USDT with 8 decimals; optionally an open-order cap. */
export async function createMarket(pool: Pool, symbol: string, maxOpenOrders: number | null = null): Promise<void> {
  await pool.query(`INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 8) ON CONFLICT DO NOTHING`);
  await pool.query(
    `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, maker_fee_bps, taker_fee_bps, max_open_orders)
     VALUES ($1, 'BTC', 'USDT', '0.01', '0.00001', '0.00001', '0', 10, 20, $2)`,
    [symbol, maxOpenOrders],
  );
}

export async function fundAccounts(pool: Pool, ids: number[]): Promise<void> {
  for (const id of ids) {
    await createAccount(pool, { id, owner: `trader-${id}` });
    await deposit(pool, {
      transferId: `fund-${id}-USDT`,
      accountId: id,
      asset: 'USDT',
      amount: 100_000_000n * 10n ** 8n,
    });
    await deposit(pool, { transferId: `fund-${id}-BTC`, accountId: id, asset: 'BTC', amount: 1_000n * 10n ** 8n });
  }
}

export interface Pipeline {
  db: TestDatabase;
  engine: Engine;
  bm: BalanceManager;
  redis: Redis;
  symbols: string[];
  /** XADD to cmd:{market} as the gateway does (field c). */
  send(market: string, commands: readonly string[]): Promise<void>;
  /** Waits until the engine archived every command sent and settlement caught up with the archive. */
  drained(market: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startPipeline(
  symbols: string[],
  env: Record<string, string> = {},
  caps: Record<string, number> = {},
): Promise<Pipeline> {
  const db = await createTestDatabase('replay');
  for (const s of symbols) await createMarket(db.pool, s, caps[s] ?? null);
  const base = {
    DATABASE_URL: db.url,
    DATABASE_SCHEMA: db.schema,
    REDIS_URL,
    LOG_LEVEL: 'silent',
    OPS_PORT: '0',
  };
  const bm = await startBalanceManager(
    bmConfigSchema.parse({ ...base, BM_CONSUMER: 'bm-replay-test', BM_BLOCK_MS: '20' }),
    log,
  );
  const engine = await Engine.start(
    engineConfigSchema.parse({ ...base, ENGINE_SHARD: 'default', ENGINE_BLOCK_MS: '20', ...env }),
    { log },
  );
  const redis = createRedis(REDIS_URL, 'replay-test');
  const sent = new Map<string, number>();
  return {
    db,
    engine,
    bm,
    redis,
    symbols,
    async send(market, commands) {
      const p = redis.pipeline();
      for (const c of commands) p.xadd(keys.commandStream(market), '*', 'c', c);
      await p.exec();
      sent.set(market, (sent.get(market) ?? 0) + commands.length);
    },
    async drained(market) {
      await waitFor(
        `${market} drained`,
        async () => {
          const { rows } = await db.pool.query<{ commands: string; settled: boolean }>(
            `SELECT (SELECT count(*) FROM engine_commands WHERE market = $1 AND input_id <> '0-0') AS commands,
                  COALESCE((SELECT last_seq FROM settlement_checkpoints WHERE market = $1), 0) >=
                  COALESCE((SELECT max(seq) FROM events WHERE market = $1), 0) AS settled`,
            [market],
          );
          return Number(rows[0]!.commands) === (sent.get(market) ?? 0) && rows[0]!.settled;
        },
        60_000,
      );
    },
    async stop() {
      await engine.stop();
      await bm.stop();
      for (const s of symbols) await redis.del(keys.commandStream(s), keys.engineStream(s), keys.eventStream(s));
      redis.disconnect();
      await db.drop();
    },
  };
}
