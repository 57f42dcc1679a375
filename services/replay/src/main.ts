/** The replay worker process: `tsx src/main.ts`. Ops endpoints on OPS_PORT. */
import { createPool, migrate } from '@exchange/db';
import { createLogger, createRedis, createRegistry, onShutdown, startOpsServer } from '@exchange/service-kit';
import { loadReplayConfig } from './config';
import { replayMetrics } from './metrics';
import { startWorker } from './worker';

async function main(): Promise<void> {
  const config = loadReplayConfig();
  const log = createLogger('replay', config.LOG_LEVEL);
  const pool = createPool({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, max: config.PG_POOL_MAX });
  await migrate(pool);
  const registry = createRegistry('replay');
  const metrics = replayMetrics(registry);
  const redis = createRedis(config.REDIS_URL, 'replay-ready');
  const worker = startWorker(pool, config, log, metrics);
  const ops = await startOpsServer({
    port: config.OPS_PORT,
    service: 'replay',
    registry,
    ready: async () => {
      await pool.query('SELECT 1');
      return worker.isRunning() && (await redis.ping()) === 'PONG';
    },
  });
  log.info({ opsPort: ops.port, concurrency: config.REPLAY_CONCURRENCY }, 'replay worker started');
  onShutdown(log, [() => worker.close(), () => ops.close(), () => redis.quit(), () => pool.end()]);
}

main().catch((err: unknown) => {
  process.stderr.write(`replay worker failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
