/** Wires one ws-feed node: Postgres, Redis (subscriber + commands), markets, accounts, auth, server, ops. */
import { createPool } from '@exchange/db';
import { queryArchivedBook, queryMinuteCandles, withArchiveSnapshot } from '@exchange/market-data';
import {
  createLogger,
  createRedis,
  createRegistry,
  startOpsServer,
  type Logger,
  type OpsServer,
} from '@exchange/service-kit';
import type { Registry } from 'prom-client';
import { AccountFeeds } from './accounts';
import { FeedAuthenticator } from './auth';
import type { WsFeedConfig } from './config';
import { MarketRegistry } from './markets';
import { FeedMetrics } from './metrics';
import { RedisFanout } from './redis-fanout';
import { FeedServer } from './server';

export interface WsFeed {
  /** The WebSocket port. */
  port: number;
  ops: OpsServer | null;
  registry: Registry;
  metrics: FeedMetrics;
  server: FeedServer;
  markets: MarketRegistry;
  close(): Promise<void>;
}

export async function startWsFeed(config: WsFeedConfig, opts: { log?: Logger; ops?: boolean } = {}): Promise<WsFeed> {
  const log = opts.log ?? createLogger('ws-feed', config.LOG_LEVEL).child({ node: config.NODE_ID });
  const pool = createPool({
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    max: 5,
    onError: (err) => log.warn({ err }, 'idle postgres client error'),
  });
  const sub = createRedis(config.REDIS_URL, 'ws-feed-sub');
  const redis = createRedis(config.REDIS_URL, 'ws-feed');
  for (const r of [sub, redis]) r.on('error', (err: Error) => log.warn({ err }, 'redis error'));
  const registry = createRegistry('ws-feed');
  const metrics = new FeedMetrics(registry);
  const fanout = new RedisFanout(sub);
  const markets = new MarketRegistry(
    pool,
    {
      fanout,
      load: (market, sinceTs) =>
        withArchiveSnapshot(pool, async (q) => ({
          book: await queryArchivedBook(q, market),
          minutes: await queryMinuteCandles(q, market.symbol, sinceTs),
        })),
      log,
      metrics,
      checksumDepth: config.CHECKSUM_DEPTH,
      candleIntervals: config.CANDLE_INTERVALS,
      candleHistory: config.CANDLE_HISTORY,
    },
    log,
  );
  fanout.onReconnect = () => {
    void markets.started().then((feeds) => feeds.forEach((f) => f.resync('redis_reconnect')));
  };
  const accounts = new AccountFeeds(fanout, metrics);
  const auth = new FeedAuthenticator(pool, redis, {
    masterKeyHex: config.GATEWAY_MASTER_KEY,
    recvWindowMs: config.RECV_WINDOW_MS,
    futureSkewMs: config.FUTURE_SKEW_MS,
    cacheMs: config.API_KEY_CACHE_MS,
  });
  const server = new FeedServer({ config, markets, accounts, auth, metrics, log });
  const port = await server.listen(config.WS_PORT, config.WS_HOST);
  const ops =
    opts.ops === false
      ? null
      : await startOpsServer({
          port: config.OPS_PORT,
          service: 'ws-feed',
          registry,
          ready: async () => {
            if (!fanout.ready) return false;
            await pool.query('SELECT 1');
            return true;
          },
        });
  log.info({ port, opsPort: ops?.port }, 'ws-feed listening');
  return {
    port,
    ops,
    registry,
    metrics,
    server,
    markets,
    async close() {
      await server.close();
      await markets.stop().catch(() => undefined);
      await fanout.close();
      await redis.quit().catch(() => undefined);
      await pool.end();
      await ops?.close();
    },
  };
}
