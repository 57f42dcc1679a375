import { randomUUID } from 'node:crypto';
import { createRedis } from '@exchange/service-kit';
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
