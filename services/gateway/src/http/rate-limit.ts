import type { Redis } from '@exchange/service-kit';
import { RedisScript } from './redis-script';

/**
 * One round trip per request: fixed-window weight counters per client IP and per API key, then the
 * replay guard (SET NX of the key's nonce with TTL = the receive window). Over a limit, the nonce
 * is not consumed. Returns [verdict, ipCount, keyCount]: 0 ok, 1 IP over, 2 key over, 3 replay.
 */
const ADMIT = new RedisScript(`
local weight = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local ipCount = redis.call('INCRBY', KEYS[1], weight)
if ipCount == weight then redis.call('PEXPIRE', KEYS[1], ttl) end
local keyCount = 0
if #KEYS >= 2 then
  keyCount = redis.call('INCRBY', KEYS[2], weight)
  if keyCount == weight then redis.call('PEXPIRE', KEYS[2], ttl) end
end
if ipCount > tonumber(ARGV[3]) then return {1, ipCount, keyCount} end
if #KEYS >= 2 and keyCount > tonumber(ARGV[4]) then return {2, ipCount, keyCount} end
if #KEYS >= 3 then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[5]) then return {3, ipCount, keyCount} end
end
return {0, ipCount, keyCount}
`);

export interface RateLimits {
  windowMs: number;
  ipWeight: number;
  keyWeight: number;
  /** Replay guard lifetime: receive window + allowed future skew. */
  nonceTtlMs: number;
  /** Counter key prefix, so limiters with other windows keep their own counts (default `gw:rl`). */
  prefix?: string;
}

export interface Admission {
  verdict: 'ok' | 'ip_limited' | 'key_limited' | 'replay';
  /** For the X-RateLimit-* headers: the tighter of the buckets that applied. */
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

const VERDICTS = ['ok', 'ip_limited', 'key_limited', 'replay'] as const;

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    readonly limits: RateLimits,
  ) {}

  /** Counts `weight` against the IP (and the key, when given) and, with a nonce, consumes it. */
  async admit(args: { ip: string; weight: number; keyId?: string; nonce?: string }): Promise<Admission> {
    const now = Date.now();
    const { windowMs, ipWeight, keyWeight, nonceTtlMs } = this.limits;
    const window = Math.floor(now / windowMs);
    const prefix = this.limits.prefix ?? 'gw:rl';
    const keys = [`${prefix}:ip:${args.ip}:${window}`];
    if (args.keyId) {
      keys.push(`${prefix}:key:${args.keyId}:${window}`);
      if (args.nonce) keys.push(`gw:nonce:${args.keyId}:${args.nonce}`);
    }
    const [code, ipCount, keyCount] = (await ADMIT.run(this.redis, keys, [
      args.weight,
      windowMs + 1000,
      ipWeight,
      keyWeight,
      nonceTtlMs,
    ])) as [number, number, number];
    const ipLeft = ipWeight - ipCount;
    const keyLeft = args.keyId ? keyWeight - keyCount : Infinity;
    const byKey = keyLeft <= ipLeft;
    return {
      verdict: VERDICTS[code] ?? 'ok',
      limit: byKey ? keyWeight : ipWeight,
      remaining: Math.max(0, byKey ? keyLeft : ipLeft),
      resetSeconds: Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000)),
    };
  }
}
