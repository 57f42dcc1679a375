/**
 * The balance manager process: migrations, then for every market a lock consumer and a settlement
 * loop, each on its own Redis connection for its blocking reads, plus the ops endpoints.
 */
import { createPool, migrate, type Pool } from '@exchange/db';
import {
  checkRedisDurability,
  createLogger,
  createRedis,
  startOpsServer,
  type Logger,
  type OpsServer,
  type Redis,
} from '@exchange/service-kit';
import type { BalanceManagerConfig } from './config';
import { LockConsumer } from './lock-stage/consumer';
import { loadAssetDecimals, loadMarkets } from './markets';
import { createMetrics } from './metrics';
import { AccountPublisher } from './publisher';
import { SettlementLoop } from './settlement/loop';

export interface BalanceManager {
  pool: Pool;
  ops: OpsServer;
  markets: string[];
  stop(): Promise<void>;
}

export async function startBalanceManager(
  cfg: BalanceManagerConfig,
  log: Logger = createLogger('balance-manager', cfg.LOG_LEVEL),
): Promise<BalanceManager> {
  const pool = createPool({
    url: cfg.DATABASE_URL,
    schema: cfg.DATABASE_SCHEMA,
    max: cfg.PG_POOL_MAX,
    onError: (err) => log.error({ err }, 'idle postgres client error'),
  });
  const applied = await migrate(pool);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');

  const symbols =
    cfg.BM_MARKETS === '*'
      ? undefined
      : cfg.BM_MARKETS.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const markets = await loadMarkets(pool, symbols);
  const decimals = await loadAssetDecimals(pool);

  const redisConns: Redis[] = [];
  const redis = (name: string) => {
    const r = createRedis(cfg.REDIS_URL, name);
    r.on('error', (err) => log.error({ err, connection: name }, 'redis connection error'));
    redisConns.push(r);
    return r;
  };
  const writer = redis('bm-writer');
  const ops = await startOpsServer({
    port: cfg.OPS_PORT,
    service: 'balance-manager',
    ready: async () => {
      await pool.query('SELECT 1');
      return (await writer.ping()) === 'PONG';
    },
  });
  // It consumes commands and moves money on them: warn or refuse when Redis would not keep them (ADR 0081).
  await checkRedisDurability(writer, {
    log,
    mode: cfg.REDIS_DURABILITY,
    service: 'balance-manager',
    registry: ops.registry,
  }).catch(async (err: unknown) => {
    await ops.close();
    writer.disconnect();
    await pool.end();
    throw err;
  });
  const metrics = createMetrics(ops.registry);
  const publisher = new AccountPublisher(writer, decimals, log, metrics);

  const consumers: LockConsumer[] = [];
  const loops: SettlementLoop[] = [];
  for (const ctx of markets.values()) {
    const consumer = new LockConsumer({
      pool,
      market: ctx,
      reader: redis(`bm-lock-${ctx.symbol}`),
      writer,
      consumer: cfg.BM_CONSUMER,
      batchSize: cfg.BM_LOCK_BATCH,
      blockMs: cfg.BM_BLOCK_MS,
      log,
      metrics,
      publisher,
      crashAfterCommits: cfg.BM_FAILPOINT ? Number(cfg.BM_FAILPOINT.split(':')[1]) : undefined,
    });
    await consumer.start();
    consumers.push(consumer);
    const loop = new SettlementLoop({
      pool,
      market: ctx,
      doorbell: redis(`bm-settle-${ctx.symbol}`),
      batchSize: cfg.BM_SETTLE_BATCH,
      blockMs: cfg.BM_BLOCK_MS,
      log,
      metrics,
      publisher,
    });
    loop.start();
    loops.push(loop);
  }
  log.info({ markets: [...markets.keys()], opsPort: ops.port }, 'balance manager started');

  return {
    pool,
    ops,
    markets: [...markets.keys()],
    async stop() {
      await Promise.all([...consumers.map((c) => c.stop()), ...loops.map((l) => l.stop())]);
      await ops.close();
      for (const r of redisConns) r.disconnect();
      await pool.end();
    },
  };
}
