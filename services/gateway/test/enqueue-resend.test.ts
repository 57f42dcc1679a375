import { randomUUID } from 'node:crypto';
import { createRedis } from '@exchange/service-kit';
import { RateLimiter, type AdmissionTicket } from '../src/http/rate-limit';
import { enqueueCommand } from '../src/orders/enqueue';

/**
 * After a Redis crash the client re-sends a script whose reply was cut off, though with AOF
 * `always` its first run may be on disk: the second run of the same command must not enqueue again.
 */
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'enqueue-resend-test');
const market = `RS${randomUUID().slice(0, 8).toUpperCase()}`;
afterAll(async () => {
  await redis.del(`cmd:${market}`);
  redis.disconnect();
});

const place = () => ({
  type: 'place' as const,
  commandId: randomUUID(),
  market,
  ts: Date.now(),
  accountId: 7,
  clientOrderId: 'resend-1',
  side: 'buy' as const,
  orderType: 'limit' as const,
  price: '100',
  qty: '1',
  tif: 'GTC' as const,
  stp: 'cancel_oldest' as const,
});

it('the same command run twice (a re-send) enqueues once and answers the same order id', async () => {
  const cmd = place();
  const first = await enqueueCommand(redis, cmd);
  const resent = await enqueueCommand(redis, cmd);
  expect(resent).toEqual(first);
  expect(await redis.xlen(`cmd:${market}`)).toBe(1);
  // Another command (a new request, new command id) is a new order.
  const other = await enqueueCommand(redis, place());
  expect(other.enqueued && first.enqueued && other.orderId! > first.orderId!).toBe(true);
  expect(await redis.xlen(`cmd:${market}`)).toBe(2);
});

it('a re-sent command without an order id (cancel) is appended once', async () => {
  const cancel = { type: 'cancel' as const, commandId: randomUUID(), market, ts: Date.now(), accountId: 7, orderId: 1 };
  const first = await enqueueCommand(redis, cancel);
  expect(await enqueueCommand(redis, cancel)).toEqual(first);
  expect(first).toMatchObject({ enqueued: true, orderId: null });
  expect(await redis.xlen(`cmd:${market}`)).toBe(3);
});

describe('with the request admission in the same step (ADR 0025)', () => {
  const limiter = new RateLimiter(redis, { windowMs: 60_000, ipWeight: 100, keyWeight: 10, nonceTtlMs: 60_000 });
  const ticket = (keyId: string, nonce: string): AdmissionTicket => ({
    plan: limiter.plan({ ip: '10.9.8.7', weight: 1, keyId, nonce }),
    result: null,
  });

  it('admits, enqueues, and a re-send answers the first run with its counts, not as a replay', async () => {
    const keyId = `ak_${randomUUID().replace(/-/g, '')}`;
    const cmd = place();
    const first = ticket(keyId, 'n1');
    const enqueued = await enqueueCommand(redis, cmd, { admission: first });
    expect(first.result).toMatchObject({ verdict: 'ok', limit: 10, remaining: 9 });
    const resent = ticket(keyId, 'n1');
    expect(await enqueueCommand(redis, cmd, { admission: resent })).toEqual(enqueued);
    expect(resent.result).toEqual(first.result);
    expect(await redis.xlen(`cmd:${market}`)).toBe(4);
  });

  it('a used nonce or a spent quota enqueues nothing and throws the refusal', async () => {
    const keyId = `ak_${randomUUID().replace(/-/g, '')}`;
    await enqueueCommand(redis, place(), { admission: ticket(keyId, 'used') });
    const replay = ticket(keyId, 'used');
    await expect(enqueueCommand(redis, place(), { admission: replay })).rejects.toMatchObject({
      code: 'REPLAYED_REQUEST',
    });
    expect(replay.result?.verdict).toBe('replay');
    for (let i = 0; i < 8; i++) await limiter.admit({ ip: '10.9.8.7', weight: 1, keyId });
    const over = ticket(keyId, 'fresh');
    await expect(enqueueCommand(redis, place(), { admission: over })).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
    });
    expect(over.result).toMatchObject({ verdict: 'key_limited', remaining: 0 });
    expect(await redis.xlen(`cmd:${market}`)).toBe(5);
    // over the limit the nonce is not used: the same request is admitted in the next window
    expect(await redis.exists(`gw:nonce:${keyId}:fresh`)).toBe(0);
  });
});
