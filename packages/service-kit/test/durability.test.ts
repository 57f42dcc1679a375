import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { checkRedisDurability, createRedis, RedisNotDurableError, type Redis } from '../src';

/** Three real servers: no AOF, AOF with fsync every second, AOF with fsync before every reply. */
const SETTINGS = {
  none: ['--appendonly', 'no'],
  everysec: ['--appendonly', 'yes', '--appendfsync', 'everysec'],
  always: ['--appendonly', 'yes', '--appendfsync', 'always'],
} as const;
type Setting = keyof typeof SETTINGS;

const dir = mkdtempSync(join(tmpdir(), 'kit-durability-'));
const servers: ChildProcess[] = [];
const clients = {} as Record<Setting, Redis>;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  for (const [name, args] of Object.entries(SETTINGS) as Array<[Setting, readonly string[]]>) {
    const port = await freePort();
    servers.push(
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendfilename',
          `${name}.aof`,
          '--appenddirname',
          `aof-${name}`,
          '--save',
          '',
          ...args,
        ],
        { stdio: 'ignore' },
      ),
    );
    clients[name] = createRedis(`redis://127.0.0.1:${port}`, `durability-${name}`);
    await clients[name].ping();
  }
});

afterAll(() => {
  for (const c of Object.values(clients)) c.disconnect();
  for (const s of servers) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function recorder() {
  const lines: string[] = [];
  return { lines, log: { warn: (_obj: unknown, msg?: string) => void lines.push(msg ?? '') } };
}

describe('checkRedisDurability', () => {
  it('accepts appendonly yes + appendfsync always silently and reports it as a gauge', async () => {
    const { lines, log } = recorder();
    const registry = new Registry();
    const check = await checkRedisDurability(clients.always, { log, mode: 'require', service: 't', registry });
    expect(check).toEqual({ appendonly: true, appendfsync: 'always', durable: true });
    expect(lines).toEqual([]);
    expect(await registry.getSingleMetricAsString('redis_durable')).toMatch(/redis_durable 1$/m);
  });

  it.each([
    ['none', 'appendonly no'],
    ['everysec', 'appendfsync everysec'],
  ] as const)('warns loudly by default on %s', async (setting, words) => {
    const { lines, log } = recorder();
    const registry = new Registry();
    const check = await checkRedisDurability(clients[setting], { log, mode: 'warn', service: 't', registry });
    expect(check.durable).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`REDIS IS NOT DURABLE (${words})`);
    expect(await registry.getSingleMetricAsString('redis_durable')).toMatch(/redis_durable 0$/m);
  });

  it.each(['none', 'everysec'] as const)('refuses %s under REDIS_DURABILITY=require', async (setting) => {
    const { lines, log } = recorder();
    const refused = checkRedisDurability(clients[setting], { log, mode: 'require', service: 'gateway' });
    await expect(refused).rejects.toBeInstanceOf(RedisNotDurableError);
    await expect(refused).rejects.toMatchObject({ code: 'REDIS_NOT_DURABLE', details: { durable: false } });
    expect(lines).toEqual([]);
  });
});
