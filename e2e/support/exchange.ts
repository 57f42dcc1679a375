/**
 * The whole exchange, started the way users start it: `./exchange start`, in its own process
 * group, against a fresh Postgres database and its own durable Redis (AOF, fsync always) on free
 * ports, so several can run side by side and a test can SIGKILL any part of it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '..', '..');
const PG_ADMIN_URL = (process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test').replace(
  /\/[^/]*$/,
  '/postgres',
);

export type ServiceName = 'engine' | 'balance-manager' | 'gateway' | 'ws-feed' | 'replay' | 'web';

export interface DemoKey {
  owner: 'alice' | 'bob' | 'admin';
  accountId: number;
  keyId: string;
  secret: string;
  scopes: string[];
}

export interface RunningExchange {
  /** REST base URL, e.g. http://127.0.0.1:41234 */
  rest: string;
  /** WebSocket feed URL, e.g. ws://127.0.0.1:41235 */
  ws: string;
  /** The pages (trader at /, admin at /admin), e.g. http://127.0.0.1:41236 */
  web: string;
  databaseUrl: string;
  redisUrl: string;
  ports: {
    gateway: number;
    ws: number;
    engineOps: number;
    bmOps: number;
    wsOps: number;
    redis: number;
    web: number;
  };
  dataDir: string;
  keys: Record<DemoKey['owner'], DemoKey>;
  /** Everything `./exchange start` printed so far (services' log lines included). */
  output(): string;
  /** The pid of a service's current process (the supervisor restarts a killed one). */
  pid(service: ServiceName): number;
  /** SIGKILLs a service and waits until the supervisor has started a new process for it. */
  killService(service: ServiceName): Promise<number>;
  /** SIGKILLs Redis and starts it again on the same port and AOF directory. */
  restartRedis(): Promise<void>;
  /**
   * Ctrl-C: SIGINT to the start command's process group, then Redis and Postgres are taken away
   * (the database dropped, or for a cold start the servers it started stopped). Resolves with how
   * the start command ended.
   */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** n distinct free ports: all listened on at once, so none is handed out twice. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (srv) =>
        new Promise<number>((resolve, reject) => {
          srv.on('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
        }),
    ),
  );
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  return ports;
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const ready = (url: string) => async () => (await fetch(url)).ok;

/** A durable Redis (AOF, fsync before every reply): an acknowledged command survives its crash. */
async function redisUp(port: number, dir: string, durable = true): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  await waitUntil(
    `redis on ${port}`,
    async () => {
      return new Promise<boolean>((resolve) => {
        const s = new Socket();
        s.once('connect', () => {
          s.write('PING\r\n');
        });
        s.once('data', (d) => {
          s.destroy();
          resolve(d.toString().startsWith('+PONG'));
        });
        s.once('error', () => resolve(false));
        s.connect(port, '127.0.0.1');
      });
    },
    20_000,
  );
  return child;
}

export interface StartOptions {
  /** Extra environment for the start command and every service. */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** 'volatile': Redis without AOF, like this machine's default one on 6379 (durability-check tests). */
  redis?: 'durable' | 'volatile';
  /**
   * 'cold': a machine where Postgres and Redis are not running: DATABASE_URL and REDIS_URL point at
   * free ports and the start command must start both servers itself, in its data folder.
   */
  servers?: 'given' | 'cold';
}

/** Postgres's own tools, as the start command finds them. */
function pgBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  return `/usr/lib/postgresql/${versions[versions.length - 1]}/bin`;
}

/** Stops a Postgres cluster the start command initialised (as its owner when we are root). */
function stopColdPostgres(dataDir: string, port: number): void {
  for (const dir of [join(dataDir, 'postgres'), `/var/tmp/exchange-postgres-${port}`]) {
    if (!existsSync(join(dir, 'postmaster.pid'))) continue;
    const args = [join(pgBin(), 'pg_ctl'), '-D', dir, 'stop', '-m', 'immediate'];
    const asRoot = process.getuid?.() === 0;
    execFileSync(asRoot ? 'runuser' : args[0]!, asRoot ? ['-u', 'postgres', '--', ...args] : args.slice(1), {
      stdio: 'ignore',
    });
    if (dir.startsWith('/var/tmp/')) rmSync(dir, { recursive: true, force: true });
  }
}

/** SHUTDOWN NOSAVE to a Redis on this port, if one answers. */
function shutdownRedis(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('connect', () => s.write('SHUTDOWN NOSAVE\r\n'));
    s.once('close', () => resolve());
    s.once('error', () => resolve());
    s.connect(port, '127.0.0.1');
  });
}

export async function startExchange(opts: StartOptions = {}): Promise<RunningExchange> {
  const dataDir = mkdtempSync(join(tmpdir(), 'exchange-e2e-'));
  const redisDir = join(dataDir, 'redis');
  const [gateway, ws, engineOps, bmOps, wsOps, redis, web] = (await freePorts(7)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ports = { gateway, ws, engineOps, bmOps, wsOps, redis, web };
  const cold = opts.servers === 'cold';
  const dbName = `e2e_${process.pid}_${Date.now().toString(36)}`;
  let databaseUrl: string;
  const redisUrl = `redis://127.0.0.1:${redis}`;
  const durable = opts.redis !== 'volatile';
  let redisProc: ChildProcess | null = null;
  let coldPgPort = 0;
  if (cold) {
    [coldPgPort] = (await freePorts(1)) as [number];
    databaseUrl = `postgres://postgres@127.0.0.1:${coldPgPort}/${dbName}`;
    chmodSync(dataDir, 0o755); // so that the postgres user can own its cluster inside it
  } else {
    const admin = new Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    databaseUrl = PG_ADMIN_URL.replace(/\/postgres$/, `/${dbName}`);
    mkdirSync(redisDir, { recursive: true });
    redisProc = await redisUp(redis, redisDir, durable);
  }

  let out = '';
  const proc = spawn(join(ROOT, 'exchange'), ['start'], {
    cwd: ROOT,
    detached: true, // its own process group: stop() signals the supervisor and every service
    env: {
      ...process.env,
      ...opts.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      GATEWAY_PORT: String(gateway),
      WS_PORT: String(ws),
      ENGINE_OPS_PORT: String(engineOps),
      BM_OPS_PORT: String(bmOps),
      WS_OPS_PORT: String(wsOps),
      WEB_PORT: String(web),
      EXCHANGE_DATA_DIR: dataDir,
      GATEWAY_MASTER_KEY: 'cd'.repeat(32),
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const rest = `http://127.0.0.1:${gateway}`;
  const pidOf = (service: ServiceName) => Number(readFileSync(join(dataDir, 'pids', `${service}.pid`), 'utf8'));

  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      process.kill(-proc.pid!, 'SIGINT');
      const timer = setTimeout(() => {
        try {
          process.kill(-proc.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 20_000);
      await exited;
      clearTimeout(timer);
    }
    if (cold) {
      await shutdownRedis(redis);
      stopColdPostgres(dataDir, coldPgPort);
    } else {
      redisProc?.kill('SIGKILL');
      const drop = new Client({ connectionString: PG_ADMIN_URL });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await drop.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
    return exited;
  };

  try {
    await waitUntil(
      'the start command to report the exchange running',
      async () => {
        if (proc.exitCode !== null) throw new Error(`./exchange start exited ${proc.exitCode}:\n${out}`);
        return out.includes('the exchange is running');
      },
      opts.timeoutMs ?? 120_000,
    );
    for (const port of [engineOps, bmOps, wsOps, web]) {
      await waitUntil(`readyz on ${port}`, ready(`http://127.0.0.1:${port}/readyz`));
    }
    await waitUntil('gateway readyz', ready(`${rest}/readyz`));
  } catch (err) {
    await stop();
    throw err;
  }

  const saved = JSON.parse(readFileSync(join(dataDir, 'demo-keys.json'), 'utf8')) as DemoKey[];
  const keys = Object.fromEntries(saved.map((k) => [k.owner, k])) as RunningExchange['keys'];

  return {
    rest,
    ws: `ws://127.0.0.1:${ws}`,
    web: `http://127.0.0.1:${web}`,
    databaseUrl,
    redisUrl,
    ports,
    dataDir,
    keys,
    output: () => out,
    pid: pidOf,
    async killService(service) {
      const before = pidOf(service);
      process.kill(before, 'SIGKILL');
      await waitUntil(`${service} restarted`, async () => pidOf(service) !== before, 60_000);
      return pidOf(service);
    },
    async restartRedis() {
      const old = redisProc;
      if (!old) throw new Error('restartRedis: this Redis was started by ./exchange start, not by the test');
      old.kill('SIGKILL');
      await new Promise((r) => old.once('exit', r));
      redisProc = await redisUp(redis, redisDir, durable);
    },
    stop,
  };
}
