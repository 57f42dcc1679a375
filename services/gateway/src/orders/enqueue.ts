import { keys, type Command } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { RedisScript } from '../http/redis-script';
import { parseRecord, type IdempotencyContext, type IdempotencyRecord } from '../http/idempotency';
import { ADMIT_LUA, refusalOf, type AdmissionTicket } from '../http/rate-limit';
import { OPEN_ORDERS_LUA } from '../projection/open-orders-mirror';

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
  local id = ''
  local entry
  if isPlace == '1' then
    id = redis.call('INCR', counter)
    entry = redis.call('XADD', stream, '*', 'orderId', id, 'c', cmd)
  else
    entry = redis.call('XADD', stream, '*', 'c', cmd)
  end
  redis.call('SET', seenKey, id .. ' ' .. entry .. admission, 'PX', 600000)
  if idemKey ~= '' then
    redis.call('HSET', idemKey, 'state', 'enqueued', 'hash', hash, 'at', at, 'orderId', id, 'commandId', commandId)
    redis.call('PEXPIRE', idemKey, idemTtl)
  end
  return {1, id, entry}
end
`;

/**
 * What runs before anything is written, none of it with side effects, so a re-run is safe: the
 * first run's record, an Idempotency-Key already used (its record), the account's open orders
 * (ADR 0026: {3, code, open}).
 */
const CHECKS_LUA = `
local seen = redis.call('GET', KEYS[3])
if seen then return {1, seen} end
if KEYS[5] ~= '' then
  local h = redis.call('HGETALL', KEYS[5])
  if #h > 0 then return {0, h} end
end
if KEYS[4] ~= '' then
  local refused = open_check(KEYS[4], ARGV[7], ARGV[8])
  if refused then return refused end
end
`;

/**
 * KEYS: stream, counter, seen, open orders ('' for none), idempotency ('' for none); ARGV:
 * command, isPlace, hash, at, commandId, idemTtl, clientOrderId, open-order cap.
 */
const ENQUEUE = new RedisScript(`${OPEN_ORDERS_LUA}${ENQUEUE_LUA}${CHECKS_LUA}
return enqueue(KEYS[1], KEYS[2], KEYS[3], KEYS[5], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], '')
`);

/**
 * The request's admission (rate limit, replay guard; ADR 0025) after the checks, then the
 * enqueue: one round trip for a place. KEYS: ENQUEUE's five, then ip, api key, nonce; ARGV:
 * ENQUEUE's eight, then the admission's five. Refused: {2, {verdict, ipCount, keyCount}}. A request
 * the checks answer is not admitted here: the router admits it after its answer (ADR 0025).
 */
const ADMIT_AND_ENQUEUE = new RedisScript(`${OPEN_ORDERS_LUA}${ADMIT_LUA}${ENQUEUE_LUA}${CHECKS_LUA}
local a = admit(KEYS[6], KEYS[7], KEYS[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12], ARGV[13])
if a[1] ~= 0 then return {2, a} end
local r = enqueue(KEYS[1], KEYS[2], KEYS[3], KEYS[5], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ' ' .. a[2] .. ' ' .. a[3])
r[#r + 1] = a
return r
`);

export type OpenOrdersRefusal = 'DUPLICATE_CLIENT_ORDER_ID' | 'TOO_MANY_OPEN_ORDERS';

export type EnqueueResult =
  | { enqueued: true; orderId: number | null; entryId: string }
  | { enqueued: false; existing: IdempotencyRecord }
  | { enqueued: false; refused: OpenOrdersRefusal; open: number };

/** A place's check against its account's open orders (ADR 0026). */
export interface OpenOrdersCheck {
  key: string;
  cap: number;
}

export interface EnqueueOptions {
  idem?: { ctx: IdempotencyContext; ttlMs: number };
  admission?: AdmissionTicket;
  openOrders?: OpenOrdersCheck;
}

type Counts = [number, number, number];
type Reply = [3, OpenOrdersRefusal, number] | [2, Counts] | [1, string] | [1, string, string, Counts?] | [0, string[]];

/**
 * `command` without orderId for a place (the script assigns it). With an admission ticket the
 * request is admitted in the same step and the ticket records the outcome; a refused request
 * (rate limit, replayed nonce) enqueues nothing and throws the error to answer. A place refused
 * by its open-order check enqueues nothing and leaves the ticket to the router.
 */
export async function enqueueCommand(
  redis: Redis,
  command: Omit<Command, 'orderId'> & { type: Command['type'] },
  { idem, admission, openOrders }: EnqueueOptions = {},
): Promise<EnqueueResult> {
  const isPlace = command.type === 'place';
  const k = [
    keys.commandStream(command.market),
    keys.orderIdCounter,
    `gw:enq:${command.commandId}`,
    openOrders?.key ?? '',
    idem?.ctx.storageKey ?? '',
  ];
  const args: Array<string | number> = [
    JSON.stringify(command),
    isPlace ? '1' : '0',
    idem?.ctx.hash ?? '',
    Date.now(),
    command.commandId,
    idem?.ttlMs ?? 0,
    (command as { clientOrderId?: string }).clientOrderId ?? '',
    openOrders?.cap ?? '',
  ];
  if (admission) {
    const [ip, apiKey, nonce] = admission.plan.keys;
    if (!apiKey || !nonce) throw new Error('an enqueue admits signed requests only');
    k.push(ip!, apiKey, nonce);
    args.push(...admission.plan.args);
  }
  const reply = (await (admission ? ADMIT_AND_ENQUEUE : ENQUEUE).run(redis, k, args)) as Reply;

  switch (reply[0]) {
    case 3:
      return { enqueued: false, refused: reply[1], open: reply[2] };
    case 2:
      admission!.result = admission!.plan.decode(reply[1]);
      throw refusalOf(admission!.result)!;
    case 0:
      return { enqueued: false, existing: parseRecord(reply[1])! };
    default:
      if (reply.length === 2) return fromSeenRecord(reply[1], isPlace, admission);
      if (admission) admission.result = admission.plan.decode(reply[3]!);
      return { enqueued: true, orderId: isPlace ? Number(reply[1]) : null, entryId: reply[2] };
  }
}

/** A re-sent script's first run: "orderId entryId [ipCount keyCount]". */
function fromSeenRecord(seen: string, isPlace: boolean, admission?: AdmissionTicket): EnqueueResult {
  const [id, entryId, ipCount, keyCount] = seen.split(' ');
  if (admission) admission.result = admission.plan.decode([0, Number(ipCount ?? 0), Number(keyCount ?? 0)]);
  return { enqueued: true, orderId: isPlace ? Number(id) : null, entryId: entryId! };
}
