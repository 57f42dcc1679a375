import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@exchange/db';
import { ExchangeClient } from '@exchange/client';
import { createLogger, createRedis } from '@exchange/service-kit';
import type { MarketConfig } from '@exchange/matching';
import { gatewayConfigSchema, startGateway, type Gateway, type AccountsBackend, ApiKeyStore } from '../../src';
import { openOrdersKeysPattern } from '../../src/projection/open-orders-mirror';
import { configSchema as bmConfigSchema, startBalanceManager } from '@exchange/balance-manager';
import { Engine, engineConfigSchema } from '@exchange/engine';
import { FakePipeline } from './fake-pipeline';
import { accountsBackendFor } from './accounts';

/** The stages behind the gateway: the real engine and balance manager in-process, or the test stand-in. */
export interface Pipeline {
  kind: 'real' | 'fake';
  /** The in-process engine (real pipeline only): tests compare with its books. */
  engine?: Engine;
  stop(): Promise<void>;
}

export const PIPELINE: 'real' | 'fake' = process.env.GATEWAY_TEST_PIPELINE === 'fake' ? 'fake' : 'real';

async function startPipeline(db: TestDatabase, market: MarketConfig): Promise<Pipeline> {
  const base = { DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema, REDIS_URL, LOG_LEVEL: 'silent', OPS_PORT: '0' };
  if (PIPELINE === 'fake') {
    const fake = new FakePipeline(db.pool, REDIS_URL, market);
    await fake.start();
    return { kind: 'fake', stop: () => fake.stop() };
  }
  const log = createLogger('pipeline-test', 'silent');
  const bm = await startBalanceManager(bmConfigSchema.parse({ ...base, BM_CONSUMER: 'bm-test' }), log);
  const engine = await Engine.start(engineConfigSchema.parse({ ...base, ENGINE_SHARD: 'default' }), { log });
  return {
    kind: 'real',
    engine,
    async stop() {
      await engine.stop();
      await bm.stop();
    },
  };
}

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What a harness leaves in the shared Redis: its market's streams, its schema's open-order mirror. */
async function dropRedisKeys(patterns: string[]): Promise<void> {
  const redis = createRedis(REDIS_URL, 'harness-cleanup');
  try {
    for (const pattern of patterns) {
      const keys = await redis.keys(pattern);
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

export interface Harness {
  db: TestDatabase;
  gateway: Gateway;
  pipeline: Pipeline;
  market: MarketConfig;
  baseUrl: string;
  admin: ExchangeClient;
  adminAccountId: number;
  accounts: AccountsBackend;
  masterKey: string;
  /** A new account with a key of the given scopes and its client. */
  trader(
    scopes?: Array<'read' | 'trade' | 'admin'>,
    ipAllowlist?: string[],
  ): Promise<{ accountId: number; client: ExchangeClient; keyId: string; secret: string }>;
  stop(): Promise<void>;
}

/** A unique market symbol per test file: Redis streams are shared between parallel test files. */
export function uniqueSymbol(prefix = 'T'): string {
  return `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const db = await createTestDatabase('gw');
  const symbol = uniqueSymbol();
  await db.pool.query(`INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 8) ON CONFLICT DO NOTHING`);
  await db.pool.query(
    `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, maker_fee_bps, taker_fee_bps)
     VALUES ($1, 'BTC', 'USDT', '0.01', '0.00001', '0.00001', '1', 10, 20)`,
    [symbol],
  );
  const market: MarketConfig = {
    symbol,
    base: { code: 'BTC', decimals: 8 },
    quote: { code: 'USDT', decimals: 8 },
    tickSize: '0.01',
    lotSize: '0.00001',
    minQty: '0.00001',
    minNotional: '1',
    makerFeeBps: 10,
    takerFeeBps: 20,
  };
  const masterKey = randomBytes(32).toString('hex');
  const config = gatewayConfigSchema.parse({
    DATABASE_URL: db.url,
    DATABASE_SCHEMA: db.schema,
    REDIS_URL,
    PORT: '0',
    HOST: '127.0.0.1',
    GATEWAY_MASTER_KEY: masterKey,
    OUTCOME_TIMEOUT_MS: '2000',
    RATE_LIMIT_IP_WEIGHT: '1000000',
    RATE_LIMIT_KEY_WEIGHT: '100000',
    API_KEY_CACHE_MS: '0',
    PROJECTION_POLL_MS: '50',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const accounts = accountsBackendFor(db.pool);
  const pipeline = await startPipeline(db, market);
  const gateway = await startGateway(config, { log: createLogger('gateway-test', 'silent'), accounts: () => accounts });
  const baseUrl = `http://127.0.0.1:${gateway.port}`;

  const keys = new ApiKeyStore(db.pool, masterKey, 0);
  const adminAccount = await accounts.createAccount('admin');
  const adminKey = await keys.create(adminAccount.accountId, {
    label: 'bootstrap',
    scopes: ['read', 'trade', 'admin'],
  });
  const admin = new ExchangeClient({ baseUrl, apiKey: adminKey.keyId, apiSecret: adminKey.secret });

  return {
    db,
    gateway,
    pipeline,
    market,
    baseUrl,
    admin,
    adminAccountId: adminAccount.accountId,
    accounts,
    masterKey,
    async trader(scopes = ['read', 'trade'], ipAllowlist) {
      const account = await admin.createAccount({ label: 'trader' });
      const key = await admin.createApiKey(account.accountId, { scopes, ipAllowlist });
      return {
        accountId: account.accountId,
        keyId: key.keyId,
        secret: key.secret,
        client: new ExchangeClient({ baseUrl, apiKey: key.keyId, apiSecret: key.secret }),
      };
    },
    async stop() {
      await gateway.stop();
      await pipeline.stop();
      await dropRedisKeys([`*:${symbol}`, openOrdersKeysPattern(db.schema)]);
      await db.drop();
    },
  };
}

/** Polls until `fn` returns a truthy value (the projection is asynchronous). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until settlement and the projection have applied everything archived (both are asynchronous). */
export async function settled(h: Harness): Promise<void> {
  await h.gateway.projector.catchUp();
  if (h.pipeline.kind !== 'real') return;
  await eventually(async () => {
    const { rows } = await h.db.pool.query<{ ok: boolean }>(
      `SELECT COALESCE((SELECT last_seq FROM settlement_checkpoints WHERE market = $1), 0) >=
              COALESCE((SELECT max(seq) FROM events WHERE market = $1), 0) AS ok`,
      [h.market.symbol],
    );
    return rows[0]?.ok;
  });
}

/** What a refused request must leave as it was: the command stream, the archive, the read model, the money. */
export async function stateOf(h: Harness): Promise<Record<string, unknown>> {
  const q = async (sql: string) => (await h.db.pool.query(sql)).rows;
  await settled(h);
  return {
    commands: await h.gateway.redis.xlen(`cmd:${h.market.symbol}`),
    events: await q('SELECT count(*) FROM events'),
    orders: await q('SELECT order_id, status, filled, price, qty FROM orders ORDER BY order_id'),
    balances: await q('SELECT account, asset, available, locked FROM balances ORDER BY account, asset'),
    transfers: await q('SELECT count(*) FROM transfers'),
    keys: await q('SELECT id, scopes, revoked_at FROM api_keys ORDER BY id'),
    markets: await q('SELECT symbol, status FROM markets ORDER BY symbol'),
  };
}

/** A signed request built by hand, for what the typed client will not send. */
export async function signedFetch(
  h: Harness,
  creds: { keyId: string; secret: string },
  req: {
    method: string;
    target: string;
    body?: string;
    headers?: Record<string, string>;
    timestamp?: number;
    nonce?: string;
    signature?: string;
  },
): Promise<{
  status: number;
  body: { code?: string; message?: string; details?: Record<string, unknown> };
  headers: Headers;
}> {
  const { canonicalString, randomNonce } = await import('@exchange/client');
  const { createHmac } = await import('node:crypto');
  const timestamp = String(req.timestamp ?? Date.now());
  const nonce = req.nonce ?? randomNonce();
  const body = req.body ?? '';
  const signature =
    req.signature ??
    createHmac('sha256', creds.secret)
      .update(canonicalString({ timestamp, nonce, method: req.method, target: req.target, body }))
      .digest('hex');
  const res = await fetch(h.baseUrl + req.target, {
    method: req.method,
    headers: {
      'content-type': 'application/json',
      'x-api-key': creds.keyId,
      'x-timestamp': timestamp,
      'x-nonce': nonce,
      'x-signature': signature,
      ...req.headers,
    },
    body: body || undefined,
  });
  const text = await res.text();
  let parsed: unknown = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { code: 'NOT_JSON', message: text };
  }
  return { status: res.status, body: parsed as { code?: string }, headers: res.headers };
}
