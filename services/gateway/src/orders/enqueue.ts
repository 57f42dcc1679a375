import { keys, type Command } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { RedisScript } from '../http/redis-script';
import { parseRecord, type IdempotencyContext, type IdempotencyRecord } from '../http/idempotency';

/**
 * ADR 0002: one script takes the order id (INCR ids:order) and appends the command to
 * cmd:{market} (fields `orderId` and `c` = the command JSON without orderId), so ids increase in
 * stream order. With an Idempotency-Key it also checks and records the key in the same atomic
 * step: a retry can never enqueue a second order. Commands other than place carry only `c`.
 * The script also records what it did under the command id (KEYS[3], 10 min), and returns that
 * record when it runs again for the same command: the Redis client re-sends a script whose reply a
 * Redis crash cut off (ioredis `autoResendUnfulfilledCommands`), and with AOF `always` the first
 * run may already be on disk — without this the re-send would enqueue a second order.
 * Returns {1, orderId, entryId} or {0, <existing idempotency record>}.
 */
const ENQUEUE = new RedisScript(`
local seen = redis.call('GET', KEYS[3])
if seen then
  local sep = string.find(seen, ' ', 1, true)
  return {1, string.sub(seen, 1, sep - 1), string.sub(seen, sep + 1)}
end
if #KEYS >= 4 then
  local h = redis.call('HGETALL', KEYS[4])
  if #h > 0 then return {0, h} end
end
local id = ''
local entry
if ARGV[2] == '1' then
  id = redis.call('INCR', KEYS[2])
  entry = redis.call('XADD', KEYS[1], '*', 'orderId', id, 'c', ARGV[1])
else
  entry = redis.call('XADD', KEYS[1], '*', 'c', ARGV[1])
end
redis.call('SET', KEYS[3], id .. ' ' .. entry, 'PX', 600000)
if #KEYS >= 4 then
  redis.call('HSET', KEYS[4], 'state', 'enqueued', 'hash', ARGV[3], 'at', ARGV[4], 'orderId', id, 'commandId', ARGV[5])
  redis.call('PEXPIRE', KEYS[4], ARGV[6])
end
return {1, id, entry}
`);

export type EnqueueResult =
  { enqueued: true; orderId: number | null; entryId: string } | { enqueued: false; existing: IdempotencyRecord };

/** `command` without orderId for a place (the script assigns it). */
export async function enqueueCommand(
  redis: Redis,
  command: Omit<Command, 'orderId'> & { type: Command['type'] },
  idem?: { ctx: IdempotencyContext; ttlMs: number },
): Promise<EnqueueResult> {
  const isPlace = command.type === 'place';
  const k = [keys.commandStream(command.market), keys.orderIdCounter, `gw:enq:${command.commandId}`];
  if (idem) k.push(idem.ctx.storageKey);
  const reply = (await ENQUEUE.run(redis, k, [
    JSON.stringify(command),
    isPlace ? '1' : '0',
    idem?.ctx.hash ?? '',
    Date.now(),
    command.commandId,
    idem?.ttlMs ?? 0,
  ])) as [number, unknown, unknown?];
  if (reply[0] === 0) return { enqueued: false, existing: parseRecord(reply[1] as string[])! };
  return { enqueued: true, orderId: isPlace ? Number(reply[1]) : null, entryId: String(reply[2]) };
}
