/**
 * `./exchange start`: migrates, seeds demo markets, accounts and API keys (idempotently), starts
 * every service as its own supervised process, and prints the URLs and demo credentials.
 * Ctrl-C stops everything. Provisioning (pnpm, Postgres, Redis) ran before, in scripts/provision.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, migrate, type Pool } from '../packages/db/src';
import { createAccount, deposit } from '../services/balance-manager/src';
import { createRedis, onStopSignals, redisDurability } from '../packages/service-kit/src';
import { ApiKeyStore } from '../services/gateway/src/auth/api-keys';

const ROOT = join(__dirname, '..');
const env = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  GATEWAY_PORT: process.env.GATEWAY_PORT ?? '8080',
  WS_PORT: process.env.WS_PORT ?? '8090',
  ENGINE_OPS_PORT: process.env.ENGINE_OPS_PORT ?? '9101',
  BM_OPS_PORT: process.env.BM_OPS_PORT ?? '9102',
  WS_OPS_PORT: process.env.WS_OPS_PORT ?? '9104',
  REPLAY_OPS_PORT: process.env.REPLAY_OPS_PORT ?? '9105',
  WEB_PORT: process.env.WEB_PORT ?? '8000',
  HOST: process.env.PUBLIC_HOST ?? '127.0.0.1',
};
/** Master key, demo keys and service pid files; tests point it at a temp dir to run side by side. */
const DATA = process.env.EXCHANGE_DATA_DIR ?? join(ROOT, '.data');
const PIDS = join(DATA, 'pids');

const say = (msg: string) => process.stdout.write(`\x1b[36m[exchange]\x1b[0m ${msg}\n`);

/** The master key that encrypts API secrets: from the environment, or generated once and kept in .data/. */
function masterKey(): string {
  if (process.env.GATEWAY_MASTER_KEY) return process.env.GATEWAY_MASTER_KEY;
  const file = join(DATA, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(DATA, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

const ASSETS = [
  ['BTC', 8],
  ['ETH', 8],
  ['USDT', 8],
] as const;
const MARKETS = [
  ['BTCUSDT', 'BTC', 'USDT', '0.01', '0.00001', '0.00001', '5'],
  ['ETHUSDT', 'ETH', 'USDT', '0.01', '0.0001', '0.0001', '5'],
] as const;
const DEMO = [
  { id: 1, owner: 'alice', scopes: ['read', 'trade'] as const, funds: { USDT: 1_000_000n, BTC: 10n, ETH: 100n } },
  { id: 2, owner: 'bob', scopes: ['read', 'trade'] as const, funds: { USDT: 1_000_000n, BTC: 10n, ETH: 100n } },
  { id: 100, owner: 'admin', scopes: ['read', 'trade', 'admin'] as const, funds: {} },
];

interface DemoKey {
  owner: string;
  accountId: number;
  keyId: string;
  secret: string;
  scopes: readonly string[];
}

async function seed(pool: Pool, master: string): Promise<DemoKey[]> {
  for (const [code, decimals] of ASSETS) {
    await pool.query('INSERT INTO assets (code, decimals) VALUES ($1, $2) ON CONFLICT DO NOTHING', [code, decimals]);
  }
  for (const [symbol, base, quote, tick, lot, minQty, minNotional] of MARKETS) {
    await pool.query(
      // the book's own open-order cap: Binance's default MAX_NUM_ORDERS, the gateway's account-wide default
      `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, max_open_orders)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 200) ON CONFLICT DO NOTHING`,
      [symbol, base, quote, tick, lot, minQty, minNotional],
    );
  }
  for (const a of DEMO) {
    await createAccount(pool, { id: a.id, owner: a.owner });
    for (const [asset, units] of Object.entries(a.funds)) {
      // Whole units × 10^8 minor units; the transfer id makes a re-run move nothing.
      await deposit(pool, {
        transferId: `seed-${a.owner}-${asset}`,
        accountId: a.id,
        asset,
        amount: units * 10n ** 8n,
      });
    }
  }
  const file = join(DATA, 'demo-keys.json');
  const keys = new ApiKeyStore(pool, master);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoKey[];
    const { rows } = await pool.query<{ id: string }>(
      'SELECT id FROM api_keys WHERE id = ANY($1) AND revoked_at IS NULL',
      [saved.map((k) => k.keyId)],
    );
    if (rows.length === saved.length) return saved;
  }
  const created: DemoKey[] = [];
  for (const a of DEMO) {
    const k = await keys.create(a.id, { label: `demo ${a.owner}`, scopes: [...a.scopes] });
    created.push({ owner: a.owner, accountId: a.id, keyId: k.keyId, secret: k.secret, scopes: a.scopes });
  }
  mkdirSync(DATA, { recursive: true });
  writeFileSync(file, JSON.stringify(created, null, 2), { mode: 0o600 });
  return created;
}

/**
 * Settlement allocates short-lived rows, postings and bigints by the tens of thousands per batch: a
 * 64 MiB young generation lets them die there instead of being copied out (ADR 0033).
 */
const BALANCE_MANAGER_NODE_FLAGS = ['--max-semi-space-size=64'];

interface ServiceSpec {
  name: string;
  entry: string;
  env: Record<string, string>;
  /** Node/V8 flags of the service (the same as in infra/). */
  nodeFlags?: string[];
}

/** Runs one service; restarts it with backoff when it dies unexpectedly. */
class Supervised {
  private child: ChildProcess | null = null;
  private stopping = false;
  private backoffMs = 500;

  constructor(private readonly spec: ServiceSpec) {}

  start(): void {
    const child = spawn(process.execPath, ['--import', 'tsx', ...(this.spec.nodeFlags ?? []), this.spec.entry], {
      cwd: ROOT,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // Operators and the chaos tests find a service's current process here.
    mkdirSync(PIDS, { recursive: true });
    writeFileSync(join(PIDS, `${this.spec.name}.pid`), String(child.pid));
    const prefix = `\x1b[35m[${this.spec.name}]\x1b[0m `;
    const pipe = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream) => {
      let rest = '';
      from.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) to.write(prefix + line + '\n');
      });
    };
    pipe(child.stdout!, process.stdout);
    pipe(child.stderr!, process.stderr);
    const startedAt = Date.now();
    child.on('exit', (code, signal) => {
      this.child = null;
      if (this.stopping) return;
      if (Date.now() - startedAt > 30_000) this.backoffMs = 500;
      say(`${this.spec.name} exited (${signal ?? code}); restarting in ${this.backoffMs} ms`);
      setTimeout(() => this.start(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    });
  }

  /** Stops the service; resolves with how it ended: 0 when it shut down cleanly. */
  async stop(): Promise<number | NodeJS.Signals> {
    this.stopping = true;
    const child = this.child;
    if (!child) return 0;
    const exited = new Promise<number | NodeJS.Signals>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)),
    );
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const how = await exited;
    clearTimeout(timer);
    return how;
  }
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** ADR 0081: an acknowledged order survives a crash only if Redis fsyncs before it replies. */
async function redisDurabilityNote(): Promise<string> {
  const redis = createRedis(env.REDIS_URL, 'start', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const d = await redisDurability(redis);
    if (d.appendonly && d.appendfsync === 'always') return 'durable (appendonly yes, appendfsync always)';
    const setting = d.appendonly ? `appendfsync ${d.appendfsync}` : 'appendonly no';
    return (
      `\x1b[31mNOT DURABLE (${setting}): acknowledged orders are not crash-safe on this Redis\x1b[0m; ` +
      'run it with --appendonly yes --appendfsync always (REDIS_DURABILITY=require makes the services refuse)'
    );
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const master = masterKey();
  const pool = createPool({ url: env.DATABASE_URL, max: 2 });
  const applied = await migrate(pool);
  if (applied.length) say(`migrations applied: ${applied.join(', ')}`);
  const keys = await seed(pool, master);
  await pool.end();
  if (process.argv.includes('--seed-only')) {
    // infra/ runs this as a one-shot job before the services start (compose, Kubernetes).
    say(`migrated and seeded; demo API keys in ${join(DATA, 'demo-keys.json')}`);
    return;
  }

  const common = { DATABASE_URL: env.DATABASE_URL, REDIS_URL: env.REDIS_URL, GATEWAY_MASTER_KEY: master };
  const specs: ServiceSpec[] = [
    {
      name: 'engine',
      entry: 'services/engine/src/main.ts',
      env: { ...common, ENGINE_SHARD: 'default', OPS_PORT: env.ENGINE_OPS_PORT },
    },
    {
      name: 'balance-manager',
      entry: 'services/balance-manager/src/main.ts',
      env: { ...common, OPS_PORT: env.BM_OPS_PORT },
      nodeFlags: BALANCE_MANAGER_NODE_FLAGS,
    },
    { name: 'gateway', entry: 'services/gateway/src/main.ts', env: { ...common, PORT: env.GATEWAY_PORT } },
    {
      name: 'ws-feed',
      entry: 'services/ws-feed/src/main.ts',
      env: { ...common, WS_PORT: env.WS_PORT, OPS_PORT: env.WS_OPS_PORT },
    },
    {
      // admin replay jobs from the bullmq queue `replay` (ADR 0072)
      name: 'replay',
      entry: 'services/replay/src/main.ts',
      env: { ...common, OPS_PORT: env.REPLAY_OPS_PORT },
    },
    {
      // the pages (built here when dist/ is stale), with /v1 and /ws forwarded same-origin (ADR 0101)
      name: 'web',
      entry: 'services/web/src/main.ts',
      env: {
        WEB_PORT: env.WEB_PORT,
        GATEWAY_URL: `http://127.0.0.1:${env.GATEWAY_PORT}`,
        WS_FEED_URL: `ws://127.0.0.1:${env.WS_PORT}`,
      },
    },
  ];
  const services = specs.map((s) => new Supervised(s));
  for (const s of services) s.start();

  onStopSignals(() => {
    say('stopping every service…');
    void Promise.all(services.map((s) => s.stop())).then((ends) => {
      const unclean = specs.flatMap((spec, k) => (ends[k] === 0 ? [] : [`${spec.name} (${String(ends[k])})`]));
      say(
        unclean.length > 0 ? `stopped, not cleanly: ${unclean.join(', ')}` : 'stopped: every service shut down cleanly',
      );
      process.exit(unclean.length > 0 ? 1 : 0);
    });
  });

  const rest = `http://${env.HOST}:${env.GATEWAY_PORT}`;
  const ok =
    (await waitFor(`${rest}/readyz`)) &&
    (await waitFor(`http://${env.HOST}:${env.WS_OPS_PORT}/readyz`)) &&
    (await waitFor(`http://${env.HOST}:${env.WEB_PORT}/readyz`));
  if (!ok) say('a service is not ready yet; see its log lines above');
  say('the exchange is running');
  say(`  trader page      http://${env.HOST}:${env.WEB_PORT}/   (admin: http://${env.HOST}:${env.WEB_PORT}/admin)`);
  say(`  REST API         ${rest}   (OpenAPI: ${rest}/openapi.json)`);
  say(`  WebSocket feed   ws://${env.HOST}:${env.WS_PORT}`);
  say(
    `  metrics          ${rest}/metrics, http://${env.HOST}:${env.ENGINE_OPS_PORT}/metrics (engine), ` +
      `:${env.BM_OPS_PORT} (balance manager), :${env.WS_OPS_PORT} (ws-feed)`,
  );
  say(`  markets          ${MARKETS.map((m) => m[0]).join(', ')}`);
  say(`  Redis            ${env.REDIS_URL}: ${await redisDurabilityNote()}`);
  for (const k of keys)
    say(`  ${k.owner.padEnd(6)} account ${k.accountId}  key ${k.keyId}  secret ${k.secret}  [${k.scopes.join(',')}]`);
  say('Ctrl-C stops everything.');
}

main().catch((err: unknown) => {
  process.stderr.write(`start failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
