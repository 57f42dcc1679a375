/**
 * The start-up durability check (ADR 0081) on a Redis without AOF, like this machine's default one:
 * `./exchange start` still runs, says in its summary that acknowledged orders are not crash-safe,
 * and every service that acknowledges or consumes commands warns loudly; with
 * REDIS_DURABILITY=require those services refuse to start.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startExchange, type RunningExchange } from '../support/exchange';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..', '..');
let ex: RunningExchange;

beforeAll(async () => {
  ex = await startExchange({ redis: 'volatile' });
});
afterAll(async () => {
  await ex?.stop();
});

test('on a Redis without AOF the exchange runs, and says loudly that acknowledged orders are not crash-safe', async () => {
  const out = ex.output();
  expect(out).toContain('NOT DURABLE (appendonly no): acknowledged orders are not crash-safe on this Redis');
  for (const service of ['gateway', 'engine', 'balance-manager']) {
    const warning = out
      .split('\n')
      .find((l) => l.includes(`[${service}]`) && l.includes('REDIS IS NOT DURABLE (appendonly no)'));
    expect(warning).toBeDefined();
  }
  expect((await fetch(`${ex.rest}/readyz`)).status).toBe(200);
});

test('with REDIS_DURABILITY=require the gateway, the engine and the balance manager refuse to start', async () => {
  const entries = {
    gateway: 'services/gateway/src/main.ts',
    engine: 'services/engine/src/main.ts',
    'balance-manager': 'services/balance-manager/src/main.ts',
  };
  const runs = Object.entries(entries).map(
    ([service, entry]) =>
      new Promise<{ service: string; code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', entry], {
          cwd: ROOT,
          env: {
            ...process.env,
            DATABASE_URL: ex.databaseUrl,
            REDIS_URL: ex.redisUrl,
            REDIS_DURABILITY: 'require',
            GATEWAY_MASTER_KEY: 'cd'.repeat(32),
            PORT: '0',
            OPS_PORT: '0',
            LOG_LEVEL: 'info',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000); // a service that kept running fails below
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ service, code, output });
        });
      }),
  );
  for (const r of await Promise.all(runs)) {
    expect({ service: r.service, code: r.code }).toEqual({ service: r.service, code: 1 });
    expect(r.output).toContain('Redis is not durable (appendonly no) and REDIS_DURABILITY=require');
  }
});
