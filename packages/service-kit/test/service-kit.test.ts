import { z } from 'zod';
import { baseConfigSchema, ConfigError, createRedis, loadConfig, redisDurability, startOpsServer } from '../src';

describe('loadConfig', () => {
  it('applies defaults and coerces', () => {
    const cfg = loadConfig(baseConfigSchema, { OPS_PORT: '9100' });
    expect(cfg.OPS_PORT).toBe(9100);
    expect(cfg.DATABASE_SCHEMA).toBe('public');
  });

  it('names every bad setting', () => {
    const schema = baseConfigSchema.extend({ SHARD: z.string().min(1) });
    expect(() => loadConfig(schema, { OPS_PORT: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { OPS_PORT: 'x' })).toThrow(/OPS_PORT.*SHARD/);
  });
});

describe('ops server', () => {
  it('serves health, readiness and metrics', async () => {
    let ready = false;
    const ops = await startOpsServer({ port: 0, service: 'test', ready: async () => ready });
    const get = (p: string) => fetch(`http://127.0.0.1:${ops.port}${p}`);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(503);
    ready = true;
    expect((await get('/readyz')).status).toBe(200);
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toContain('process_cpu_user_seconds_total');
    await ops.close();
  });
});

describe('redis', () => {
  it('reports the durability setting of a real server', async () => {
    const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'kit-test');
    const d = await redisDurability(redis);
    expect(typeof d.appendonly).toBe('boolean');
    expect(['always', 'everysec', 'no']).toContain(d.appendfsync);
    redis.disconnect();
  });
});
