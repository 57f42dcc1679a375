import Redis, { type RedisOptions } from 'ioredis';

export { Redis };

/**
 * A Redis connection. Blocking reads (XREADGROUP … BLOCK) hold their connection, so each blocking
 * consumer gets its own: call this once per purpose.
 */
export function createRedis(url: string, name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { connectionName: name, maxRetriesPerRequest: null, enableAutoPipelining: false, ...extra });
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
