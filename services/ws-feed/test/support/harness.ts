/** Test harness: a migrated schema, a market, the engine simulator, feed nodes and raw ws clients. */
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@exchange/db';
import type { ServerMessage } from '@exchange/market-data';
import { createRedis, type Redis } from '@exchange/service-kit';
import WebSocket from 'ws';
import { loadWsFeedConfig, startWsFeed, type WsFeed } from '../../src';
import { EngineSim, insertMarket } from '../../../../packages/market-data/test/support/engine-sim';
import { Workload } from '../../../../packages/market-data/test/support/workload';

export { EngineSim, Workload };
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const MASTER_KEY = 'ab'.repeat(32);

export const uniqueSymbol = (prefix: string): string =>
  `${prefix}${randomBytes(4).toString('hex').toUpperCase()}`.slice(0, 20);

export interface Harness {
  db: TestDatabase;
  redis: Redis;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const db = await createTestDatabase('wsf');
  const redis = createRedis(REDIS_URL, 'ws-feed-test');
  return {
    db,
    redis,
    async close() {
      await redis.quit();
      await db.drop();
    },
  };
}

export async function createMarket(h: Harness, prefix: string): Promise<EngineSim> {
  const symbol = uniqueSymbol(prefix);
  await insertMarket(h.db.pool, symbol);
  return new EngineSim(symbol, 10);
}

export function feedEnv(h: Harness, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: h.db.url,
    DATABASE_SCHEMA: h.db.schema,
    REDIS_URL,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    WS_PORT: '0',
    WS_HOST: '127.0.0.1',
    OPS_PORT: '0',
    GATEWAY_MASTER_KEY: MASTER_KEY,
    ...env,
  };
}

export async function startFeed(h: Harness, env: Record<string, string> = {}): Promise<WsFeed> {
  return startWsFeed(loadWsFeedConfig(feedEnv(h, env)));
}

/** Runs one batch through the sim the way the engine does: archive, then publish. */
export async function engineBatch(
  h: Harness,
  sim: EngineSim,
  w: Workload,
  count: number,
  opts: { snapshot?: boolean; dropBook?: boolean; corruptChecksum?: boolean } = {},
) {
  const { applied, out } = sim.batch(w.take(count));
  await sim.archive(h.db.pool, applied, opts.snapshot);
  if (opts.dropBook) out.md = out.md.filter((m) => !m.startsWith('{"type":"book"'));
  if (opts.corruptChecksum) {
    out.md = out.md.map((m) => (m.startsWith('{"type":"book"') ? m.replace(/"checksum":\d+/, '"checksum":1') : m));
  }
  await sim.publish(h.redis, out);
  return { applied, out };
}

/** A raw ws client that records every message. */
export class TestSocket {
  readonly messages: ServerMessage[] = [];
  closeCode: number | null = null;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  static async open(port: number, opts: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, opts);
    const s = new TestSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return s;
  }

  send(obj: unknown): void {
    this.ws.send(JSON.stringify(obj));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `pred` holds (re-checked on every message and close). */
  async until<T>(pred: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = pred();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  find<T extends ServerMessage['type']>(
    type: T,
    pred: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true,
  ) {
    return this.messages.find((m): m is Extract<ServerMessage, { type: T }> => m.type === type && pred(m as never));
  }

  of<T extends ServerMessage['type']>(type: T): Array<Extract<ServerMessage, { type: T }>> {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Polls until `pred` holds. */
export async function eventually<T>(
  pred: () => T | undefined | false | null | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await pred();
    if (v) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
