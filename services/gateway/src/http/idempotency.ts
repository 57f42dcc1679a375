import { createHash } from 'node:crypto';
import type { Redis } from '@exchange/service-kit';
import { ApiError } from '../errors';
import { RedisScript } from './redis-script';

/**
 * Idempotency-Key (Stripe, IETF draft): scoped per account and endpoint, kept 24 h. A record is a
 * Redis hash: state (in_flight | enqueued | done), hash of the request (method, target, body), at
 * (ms), and when done the stored status and body; a placed order's record also holds its order id.
 */
export interface IdempotencyRecord {
  state: 'in_flight' | 'enqueued' | 'done';
  hash: string;
  at: number;
  status?: number;
  body?: string;
  orderId?: number;
  commandId?: string;
}

export interface IdempotencyContext {
  storageKey: string;
  hash: string;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const BEGIN = new RedisScript(`
local h = redis.call('HGETALL', KEYS[1])
if #h > 0 then return h end
redis.call('HSET', KEYS[1], 'state', 'in_flight', 'hash', ARGV[1], 'at', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {}
`);

export function parseRecord(flat: string[]): IdempotencyRecord | null {
  if (!flat.length) return null;
  const m: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) m[flat[i]!] = flat[i + 1]!;
  return {
    state: m.state as IdempotencyRecord['state'],
    hash: m.hash ?? '',
    at: Number(m.at ?? 0),
    status: m.status === undefined ? undefined : Number(m.status),
    body: m.body,
    orderId: m.orderId ? Number(m.orderId) : undefined,
    commandId: m.commandId,
  };
}

export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    /** An in_flight record older than this is abandoned (its process died): the key frees up. */
    private readonly inFlightTtlMs = 60_000,
  ) {}

  /** null when the request carries no Idempotency-Key. */
  context(
    header: string | string[] | undefined,
    accountId: number,
    endpoint: string,
    req: { method: string; target: string; body: string },
  ): IdempotencyContext | null {
    if (header === undefined) return null;
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY_PATTERN.test(key)) {
      throw new ApiError('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1-255 printable ASCII characters');
    }
    const hash = createHash('sha256').update(`${req.method}\n${req.target}\n${req.body}`).digest('hex');
    return { storageKey: `gw:idem:${accountId}:${endpoint}:${key}`, hash };
  }

  async get(ctx: IdempotencyContext): Promise<IdempotencyRecord | null> {
    return parseRecord(await this.redis.hgetall(ctx.storageKey).then(flatten));
  }

  /** Reserves the key (in_flight), or returns the record already there. */
  async begin(ctx: IdempotencyContext): Promise<IdempotencyRecord | null> {
    const flat = (await BEGIN.run(
      this.redis,
      [ctx.storageKey],
      [ctx.hash, Date.now(), this.inFlightTtlMs],
    )) as string[];
    return parseRecord(flat);
  }

  async complete(ctx: IdempotencyContext, status: number, body: unknown): Promise<void> {
    await this.redis
      .multi()
      .hset(ctx.storageKey, 'state', 'done', 'status', String(status), 'body', JSON.stringify(body ?? null))
      .expire(ctx.storageKey, this.ttlSeconds)
      .exec();
  }

  /** Frees a key whose request failed before acting (5xx), so a retry can run. */
  async abandon(ctx: IdempotencyContext): Promise<void> {
    await this.redis.del(ctx.storageKey);
  }

  get ttlMs(): number {
    return this.ttlSeconds * 1000;
  }
}

/** 422 for another payload under the same key; null when the stored answer applies. */
export function checkSamePayload(record: IdempotencyRecord, ctx: IdempotencyContext): void {
  if (record.hash !== ctx.hash) {
    throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with a different request', {});
  }
}

export function inFlight(): ApiError {
  return new ApiError(
    'IDEMPOTENCY_IN_FLIGHT',
    'a request with this Idempotency-Key is still being processed; retry later',
  );
}

function flatten(obj: Record<string, string>): string[] {
  return Object.entries(obj).flat();
}
