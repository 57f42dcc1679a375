import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPool, type Pool } from '@exchange/db';
import { ReplayJobs } from '@exchange/replay';
import {
  checkRedisDurability,
  createLogger,
  createRedis,
  createRegistry,
  type Logger,
  type Redis,
} from '@exchange/service-kit';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { buildApp } from './app';
import type { AccountsBackend } from './admin/accounts-backend';
import { AuditLog } from './admin/audit-log';
import { ApiKeyStore } from './auth/api-keys';
import { Authenticator } from './auth/authenticate';
import type { GatewayConfig } from './config';
import { IdempotencyStore } from './http/idempotency';
import { MAX_RECV_WINDOW } from './binance/signing';
import { RateLimiter } from './http/rate-limit';
import { MarketRegistry } from './markets/registry';
import { OrderService } from './orders/order-service';
import { OutcomeWatcher } from './orders/outcome-watcher';
import { Projector } from './projection/projector';
import { OpenOrdersMirror, openOrdersKey } from './projection/open-orders-mirror';
import { MarketData } from './read/market-data';
import { OrderReads } from './read/order-reads';
import type { GatewayServices } from './routes/services';

export interface Gateway {
  app: Express;
  server: Server;
  port: number;
  pool: Pool;
  redis: Redis;
  registry: Registry;
  services: GatewayServices;
  projector: Projector;
  watcher: OutcomeWatcher;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  log?: Logger;
  /** The balance manager's account library (balances, ledger, transfers); `redis` publishes balance changes. */
  accounts: (pool: Pool, redis: Redis, log: Logger) => AccountsBackend;
}

/** Wires and starts the gateway: HTTP server, outcome watcher and (when enabled) the projection. */
export async function startGateway(config: GatewayConfig, opts: GatewayOptions): Promise<Gateway> {
  const log = opts.log ?? createLogger('gateway', config.LOG_LEVEL);
  const pool = createPool({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, max: 20 });
  const redis = createRedis(config.REDIS_URL, 'gateway', { enableAutoPipelining: true });
  const outcomesRedis = createRedis(config.REDIS_URL, 'gateway-outcomes');
  const registry = createRegistry('gateway');
  // An order is acknowledged once its XADD returns: only durable if Redis fsyncs first (ADR 0081).
  await checkRedisDurability(redis, { log, mode: config.REDIS_DURABILITY, service: 'gateway', registry }).catch(
    async (err: unknown) => {
      redis.disconnect();
      outcomesRedis.disconnect();
      await pool.end();
      throw err;
    },
  );

  const markets = new MarketRegistry(pool);
  await markets.load();
  const projector = new Projector(
    pool,
    markets,
    log,
    { batch: config.PROJECTION_BATCH, pollMs: config.PROJECTION_POLL_MS },
    new OpenOrdersMirror(redis, pool, config.DATABASE_SCHEMA, config.PROJECTION_BATCH),
  );
  const watcher = new OutcomeWatcher(outcomesRedis, log, () => projector.wake());
  const idempotency = new IdempotencyStore(redis, config.IDEMPOTENCY_TTL_SECONDS);
  const reads = new OrderReads(pool, config.PROJECTION_ENABLED ? () => projector.catchUp() : undefined);
  const apiKeys = new ApiKeyStore(pool, config.GATEWAY_MASTER_KEY, config.API_KEY_CACHE_MS);
  const limiter = new RateLimiter(redis, {
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    ipWeight: config.RATE_LIMIT_IP_WEIGHT,
    keyWeight: config.RATE_LIMIT_KEY_WEIGHT,
    nonceTtlMs: config.RECV_WINDOW_MS + config.FUTURE_SKEW_MS,
  });
  const authenticator = new Authenticator(apiKeys, limiter, {
    recvWindowMs: config.RECV_WINDOW_MS,
    futureSkewMs: config.FUTURE_SKEW_MS,
  });
  const audit = new AuditLog(pool, log);
  const orders = new OrderService({
    redis,
    markets,
    watcher,
    reads,
    idempotency,
    outcomeTimeoutMs: config.OUTCOME_TIMEOUT_MS,
    openOrders: (accountId) => ({
      key: openOrdersKey(config.DATABASE_SCHEMA, accountId),
      cap: config.MAX_OPEN_ORDERS_PER_ACCOUNT,
    }),
  });
  const services: GatewayServices = {
    pool,
    markets,
    orders,
    reads,
    marketData: new MarketData(pool),
    accounts: opts.accounts(pool, redis, log),
    apiKeys,
    audit,
    replays: new ReplayJobs(pool, config.REDIS_URL, config.REPLAY_QUEUE_PREFIX),
  };
  const app = buildApp({
    services,
    router: { authenticator, idempotency, audit },
    registry,
    log,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    trustProxyHops: config.TRUST_PROXY_HOPS,
    binance: {
      // Binance counts weight per minute: the same budget as RATE_LIMIT_*, scaled to a minute window.
      limiter: new RateLimiter(redis, {
        windowMs: 60_000,
        ipWeight: Math.round((config.RATE_LIMIT_IP_WEIGHT * 60_000) / config.RATE_LIMIT_WINDOW_MS),
        keyWeight: Math.round((config.RATE_LIMIT_KEY_WEIGHT * 60_000) / config.RATE_LIMIT_WINDOW_MS),
        // a POST's signature is its nonce, for as long as any timestamp can be accepted
        nonceTtlMs: MAX_RECV_WINDOW + 1000,
        prefix: 'gw:rl:bn',
      }),
      freshen: config.PROJECTION_ENABLED ? () => projector.catchUp() : async () => undefined,
    },
    ready: async () => {
      await pool.query('SELECT 1');
      return (await redis.ping()) === 'PONG';
    },
  });

  await Promise.all(markets.all().map((m) => watcher.track(m.symbol)));
  watcher.start();
  if (config.PROJECTION_ENABLED) projector.start();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, 'gateway listening');

  return {
    app,
    server,
    port,
    pool,
    redis,
    registry,
    services,
    projector,
    watcher,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await projector.stop();
      await watcher.stop();
      await services.replays.close();
      outcomesRedis.disconnect();
      await redis.quit().catch(() => undefined);
      await pool.end();
    },
  };
}
