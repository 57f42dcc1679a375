import type { Redis } from '@exchange/service-kit';
import { ApiError } from '../errors';
import { RedisScript } from './redis-script';

/**
 * Fixed-window weight counters per client IP and per API key, then the replay guard (SET NX of
 * the key's nonce with TTL = the receive window). Over a limit, the nonce is not consumed.
 * A Lua function, so that the order enqueue script can run it in the same step (ADR 0025).
 * Returns {verdict, ipCount, keyCount}: 0 ok, 1 IP over, 2 key over, 3 replay.
 */
export const ADMIT_LUA = `
local function admit(ipKey, apiKey, nonceKey, weight, ttl, ipMax, keyMax, nonceTtl)
  local ipCount = redis.call('INCRBY', ipKey, weight)
  if ipCount == tonumber(weight) then redis.call('PEXPIRE', ipKey, ttl) end
  local keyCount = 0
  if apiKey then
    keyCount = redis.call('INCRBY', apiKey, weight)
    if keyCount == tonumber(weight) then redis.call('PEXPIRE', apiKey, ttl) end
  end
  if ipCount > tonumber(ipMax) then return {1, ipCount, keyCount} end
  if apiKey and keyCount > tonumber(keyMax) then return {2, ipCount, keyCount} end
  if nonceKey and not redis.call('SET', nonceKey, '1', 'NX', 'PX', nonceTtl) then return {3, ipCount, keyCount} end
  return {0, ipCount, keyCount}
end
`;

/** One round trip per request. KEYS: ip [, key [, nonce]]; ARGV: see AdmissionPlan.args. */
const ADMIT = new RedisScript(`${ADMIT_LUA}
return admit(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
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
    return this.run(this.plan(args));
  }

  async run(plan: AdmissionPlan): Promise<Admission> {
    return plan.decode((await ADMIT.run(this.redis, plan.keys, plan.args)) as [number, number, number]);
  }

  plan(args: { ip: string; weight: number; keyId?: string; nonce?: string }): AdmissionPlan {
    return new AdmissionPlan(this.limits, args, Date.now());
  }
}

/**
 * One request's admission, ready to run on its own or inside another script. A class rather than
 * an object with a closure: one is made per request, and a closure per request costs more.
 */
export class AdmissionPlan {
  /** ip [, key [, nonce]] */
  readonly keys: string[];
  /** weight, counter TTL, IP limit, key limit, nonce TTL */
  readonly args: Array<string | number>;
  private readonly resetSeconds: number;

  constructor(
    private readonly limits: RateLimits,
    private readonly request: { ip: string; weight: number; keyId?: string; nonce?: string },
    now: number,
  ) {
    const { windowMs, ipWeight, keyWeight, nonceTtlMs } = limits;
    const window = Math.floor(now / windowMs);
    const prefix = limits.prefix ?? 'gw:rl';
    this.keys = [`${prefix}:ip:${request.ip}:${window}`];
    if (request.keyId) {
      this.keys.push(`${prefix}:key:${request.keyId}:${window}`);
      if (request.nonce) this.keys.push(`gw:nonce:${request.keyId}:${request.nonce}`);
    }
    this.args = [request.weight, windowMs + 1000, ipWeight, keyWeight, nonceTtlMs];
    this.resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
  }

  /** The script's {verdict, ipCount, keyCount} as an Admission. */
  decode([code, ipCount, keyCount]: [number, number, number]): Admission {
    const { ipWeight, keyWeight } = this.limits;
    const ipLeft = ipWeight - ipCount;
    const keyLeft = this.request.keyId ? keyWeight - keyCount : Infinity;
    const byKey = keyLeft <= ipLeft;
    return {
      verdict: VERDICTS[code] ?? 'ok',
      limit: byKey ? keyWeight : ipWeight,
      remaining: Math.max(0, byKey ? keyLeft : ipLeft),
      resetSeconds: this.resetSeconds,
    };
  }
}

/**
 * An admission the router left to the handler, to run in the same Redis step as the handler's
 * effect (the order enqueue, ADR 0025). Whoever runs it records the result; the router runs it
 * after the handler when the handler did not, so every request is counted exactly once.
 */
export interface AdmissionTicket {
  plan: AdmissionPlan;
  result: Admission | null;
}

export function rateLimitHeaders(a: Admission): Record<string, string> {
  return {
    'x-ratelimit-limit': String(a.limit),
    'x-ratelimit-remaining': String(a.remaining),
    'x-ratelimit-reset': String(a.resetSeconds),
  };
}

/** The admission when it lets the request through; else throws the error to answer. */
export function admitted(a: Admission): Admission {
  const refused = refusalOf(a);
  if (refused) throw refused;
  return a;
}

/** The 429 or replay error for an admission that refuses the request, else null. */
export function refusalOf(a: Admission): ApiError | null {
  if (a.verdict === 'ok') return null;
  if (a.verdict === 'replay') return new ApiError('REPLAYED_REQUEST', 'this nonce was already used');
  return new ApiError(
    'RATE_LIMITED',
    a.verdict === 'ip_limited' ? 'too many requests from this address' : 'too many requests for this API key',
    { retryAfterSeconds: a.resetSeconds },
    { ...rateLimitHeaders(a), 'retry-after': String(a.resetSeconds) },
  );
}
