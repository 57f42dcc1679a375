import { keys, type Command } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { RedisScript } from '../http/redis-script';
import { parseRecord, type IdempotencyContext, type IdempotencyRecord } from '../http/idempotency';
import { ADMIT_LUA, refusalOf, type AdmissionTicket } from '../http/rate-limit';

/**
 * ADR 0002: one script takes the order id (INCR ids:order) and appends the command to
 * cmd:{market} (fields `orderId` and `c` = the command JSON without orderId), so ids increase in
 * stream order. With an Idempotency-Key it also checks and records the key in the same atomic
 * step: a retry can never enqueue a second order. Commands other than place carry only `c`.
 * The script also records what it did under the command id (10 min), and returns that record when
 * it runs again for the same command: the Redis client re-sends a script whose reply a Redis crash
 * cut off (ioredis `autoResendUnfulfilledCommands`), and with AOF `always` the first run may
 * already be on disk — without this the re-send would enqueue a second order (or, with the
 * request's admission in the same script, find its own nonce used).
 */
const ENQUEUE_LUA = `
local function enqueue(stream, counter, seenKey, idemKey, cmd, isPlace, hash, at, commandId, idemTtl, admission)
  if idemKey then
    local h = redis.call('HGETALL', idemKey)
    if #h > 0 then return {0, h} end
  end
  local id = ''
  local entry
  if isPlace == '1' then
    id = redis.call('INCR', counter)
    entry = redis.call('XADD', stream, '*', 'orderId', id, 'c', cmd)
  else
    entry = redis.call('XADD', stream, '*', 'c', cmd)
  end
  redis.call('SET', seenKey, id .. ' ' .. entry .. admission, 'PX', 600000)
  if idemKey then
    redis.call('HSET', idemKey, 'state', 'enqueued', 'hash', hash, 'at', at, 'orderId', id, 'commandId', commandId)
    redis.call('PEXPIRE', idemKey, idemTtl)
  end
  return {1, id, entry}
end
`;

/** KEYS: stream, counter, seen [, idempotency]; ARGV: command, isPlace, hash, at, commandId, idemTtl. */
const ENQUEUE = new RedisScript(`${ENQUEUE_LUA}
local seen = redis.call('GET', KEYS[3])
if seen then return {1, seen} end
return enqueue(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], '')
`);

/**
 * The request's admission (rate limit, replay guard; ADR 0025) first, then the enqueue: one round
 * trip for a place. KEYS: stream, counter, seen, ip, api key, nonce [, idempotency]; ARGV: the
 * enqueue's six, then the admission's five. Refused: {2, {verdict, ipCount, keyCount}}.
 */
const ADMIT_AND_ENQUEUE = new RedisScript(`${ADMIT_LUA}${ENQUEUE_LUA}
local seen = redis.call('GET', KEYS[3])
if seen then return {1, seen} end
local a = admit(KEYS[4], KEYS[5], KEYS[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
if a[1] ~= 0 then return {2, a} end
local r = enqueue(KEYS[1], KEYS[2], KEYS[3], KEYS[7], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ' ' .. a[2] .. ' ' .. a[3])
r[#r + 1] = a
return r
`);

export type EnqueueResult =
  { enqueued: true; orderId: number | null; entryId: string } | { enqueued: false; existing: IdempotencyRecord };

type Counts = [number, number, number];
type Reply = [2, Counts] | [1, string] | [1, string, string, Counts?] | [0, string[], Counts?];

/**
 * `command` without orderId for a place (the script assigns it). With an admission ticket the
 * request is admitted in the same step and the ticket records the outcome; a refused request
 * (rate limit, replayed nonce) enqueues nothing and throws the error to answer.
 */
export async function enqueueCommand(
  redis: Redis,
  command: Omit<Command, 'orderId'> & { type: Command['type'] },
  idem?: { ctx: IdempotencyContext; ttlMs: number },
  admission?: AdmissionTicket,
): Promise<EnqueueResult> {
  const isPlace = command.type === 'place';
  const k = [keys.commandStream(command.market), keys.orderIdCounter, `gw:enq:${command.commandId}`];
  const args: Array<string | number> = [
    JSON.stringify(command),
    isPlace ? '1' : '0',
    idem?.ctx.hash ?? '',
    Date.now(),
    command.commandId,
    idem?.ttlMs ?? 0,
  ];
  if (admission) {
    const [ip, apiKey, nonce] = admission.plan.keys;
    if (!apiKey || !nonce) throw new Error('an enqueue admits signed requests only');
    k.push(ip!, apiKey, nonce);
    args.push(...admission.plan.args);
  }
  if (idem) k.push(idem.ctx.storageKey);
  const reply = (await (admission ? ADMIT_AND_ENQUEUE : ENQUEUE).run(redis, k, args)) as Reply;

  if (reply[0] === 2) {
    admission!.result = admission!.plan.decode(reply[1]);
    throw refusalOf(admission!.result)!;
  }
  if (reply[0] === 1 && reply.length === 2) return fromSeenRecord(reply[1], isPlace, admission);
  if (admission) admission.result = admission.plan.decode(reply[reply.length - 1] as Counts);
  if (reply[0] === 0) return { enqueued: false, existing: parseRecord(reply[1])! };
  return { enqueued: true, orderId: isPlace ? Number(reply[1]) : null, entryId: String(reply[2]) };
}

/** A re-sent script's first run: "orderId entryId [ipCount keyCount]". */
function fromSeenRecord(seen: string, isPlace: boolean, admission?: AdmissionTicket): EnqueueResult {
  const [id, entryId, ipCount, keyCount] = seen.split(' ');
  if (admission) admission.result = admission.plan.decode([0, Number(ipCount ?? 0), Number(keyCount ?? 0)]);
  return { enqueued: true, orderId: isPlace ? Number(id) : null, entryId: entryId! };
}
