import Redis, { type RedisOptions } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from './log';

export { Redis };

/**
 * A Redis connection. Blocking reads (XREADGROUP … BLOCK) hold their connection, so each blocking
 * consumer gets its own: call this once per purpose.
 */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: null, enableAutoPipelining: false, ...extra });
}

/**
 * How many times the connection has closed so far. ioredis re-sends, after reconnecting, a command
 * whose reply a closed connection lost. For `XREADGROUP … >` that re-send is not safe: Redis may have
 * executed the first one — its entries are now pending for the consumer, marked delivered — and a
 * second `>` read returns only what came after them. A group consumer compares the count around each
 * `>` read; when it moved, it drops the reply and reads its pending entries instead (ADR 0083).
 */
export function connectionCloses(redis: Redis): () => number {
  let closes = 0;
  redis.on('close', () => closes++);
  return () => closes;
}

/**
 * Reads the server's durability setting. An order counts as acknowledged only once Redis has fsynced
 * it (appendonly yes + appendfsync always), so services report this at start-up.
 */
export async function redisDurability(redis: Redis): Promise<{ appendonly: boolean; appendfsync: string }> {
  const [, appendonly] = (await redis.config('GET', 'appendonly')) as [string, string];
  const [, appendfsync] = (await redis.config('GET', 'appendfsync')) as [string, string];
  return { appendonly: appendonly === 'yes', appendfsync };
}

/** `REDIS_DURABILITY`: what a service does at start when Redis would not keep an acknowledged write (ADR 0081). */
export type RedisDurabilityMode = 'warn' | 'require';

export interface DurabilityCheck {
  appendonly: boolean;
  appendfsync: string;
  /** appendonly yes and appendfsync always: a write is on disk before Redis replies. */
  durable: boolean;
}

export class RedisNotDurableError extends Error {
  readonly code = 'REDIS_NOT_DURABLE';
  constructor(
    message: string,
    readonly details: DurabilityCheck,
  ) {
    super(message);
  }
}

/**
 * The start-up check of every service that acknowledges or consumes commands. Durable means
 * `appendonly yes` + `appendfsync always` (`everysec` can lose the last second of acknowledged
 * orders on a crash of the machine). Not durable: a loud warning in `warn` mode, a
 * RedisNotDurableError in `require` mode.
 */
export async function checkRedisDurability(
  redis: Redis,
  opts: { log: Pick<Logger, 'warn'>; mode: RedisDurabilityMode; service: string; registry?: Registry },
): Promise<DurabilityCheck> {
  const d = await redisDurability(redis);
  const check = { ...d, durable: d.appendonly && d.appendfsync === 'always' };
  if (opts.registry) {
    new Gauge({
      name: 'redis_durable',
      help: '1 when Redis fsyncs every write before replying (appendonly yes, appendfsync always), read at start',
      registers: [opts.registry],
    }).set(check.durable ? 1 : 0);
  }
  if (check.durable) return check;
  const setting = check.appendonly ? `appendfsync ${check.appendfsync}` : 'appendonly no';
  if (opts.mode === 'require') {
    throw new RedisNotDurableError(
      `${opts.service}: Redis is not durable (${setting}) and REDIS_DURABILITY=require`,
      check,
    );
  }
  opts.log.warn(
    { ...check, service: opts.service },
    `REDIS IS NOT DURABLE (${setting}): orders acknowledged by the gateway can be lost if Redis or its machine crashes; ` +
      'run Redis with appendonly yes + appendfsync always, or set REDIS_DURABILITY=require to refuse to start',
  );
  return check;
}
