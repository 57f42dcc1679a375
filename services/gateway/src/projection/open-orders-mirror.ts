import type { Pool } from '@exchange/db';
import type { EngineEvent } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { RedisScript } from '../http/redis-script';
import { OPEN_STATUSES } from '../orders/order-state';
import { archivedRun } from './archived-run';
import { openOrderChanges } from './open-order-changes';

/**
 * The open orders of each account, in Redis, where the place script checks them in the same step
 * as its admission and enqueue (ADR 0026): one hash per account, with `n` (how many are open),
 * `o:<orderId>` (its clientOrderId) and `c:<clientOrderId>` (how many open orders hold it).
 * Account ids are numbered by the database, so the key names its schema (test databases share a
 * Redis). Maintained from the event archive like the read model, exactly once: a market's
 * changes and its checkpoint move in one script.
 */
export function openOrdersKey(schema: string, accountId: number): string {
  return `gw:open:${schema}:${accountId}`;
}

function checkpointKey(schema: string, market: string): string {
  return `gw:open-seq:${schema}:${market}`;
}

/** Every key of one schema's mirror (its account hashes and market checkpoints), as a KEYS pattern. */
export function openOrdersKeysPattern(schema: string): string {
  return `gw:open*:${schema}:*`;
}

/** The hash's rules, shared by the mirror's scripts and the place script's check. */
export const OPEN_ORDERS_LUA = `
local function open_order(key, orderId, cid)
  if redis.call('HSETNX', key, 'o:' .. orderId, cid) == 0 then return end
  redis.call('HINCRBY', key, 'n', 1)
  if cid ~= '' then redis.call('HINCRBY', key, 'c:' .. cid, 1) end
end
local function close_order(key, orderId)
  local cid = redis.call('HGET', key, 'o:' .. orderId)
  if not cid then return end
  redis.call('HDEL', key, 'o:' .. orderId)
  if redis.call('HINCRBY', key, 'n', -1) <= 0 then redis.call('HDEL', key, 'n') end
  if cid ~= '' and redis.call('HINCRBY', key, 'c:' .. cid, -1) <= 0 then redis.call('HDEL', key, 'c:' .. cid) end
end
local function open_check(key, cid, cap)
  if cid ~= '' and redis.call('HEXISTS', key, 'c:' .. cid) == 1 then return {3, 'DUPLICATE_CLIENT_ORDER_ID', 0} end
  local n = tonumber(redis.call('HGET', key, 'n') or '0')
  if n >= tonumber(cap) then return {3, 'TOO_MANY_OPEN_ORDERS', n} end
  return nil
end
`;

/**
 * KEYS: checkpoint, then one account key per change; ARGV: the checkpoint expected, the new one,
 * then per change kind ('o' or 'c'), orderId, clientOrderId. {1} applied, {0, checkpoint} not
 * (another process got there first, or the checkpoint is missing: false).
 */
const APPLY = new RedisScript(`${OPEN_ORDERS_LUA}
local at = redis.call('GET', KEYS[1])
if at ~= ARGV[1] then return {0, at} end
for i = 2, #KEYS do
  local a = 3 + (i - 2) * 3
  if ARGV[a] == 'o' then open_order(KEYS[i], ARGV[a + 1], ARGV[a + 2]) else close_order(KEYS[i], ARGV[a + 1]) end
end
redis.call('SET', KEYS[1], ARGV[2])
return {1}
`);

/** KEYS: checkpoint, then one account key per open order; ARGV: the checkpoint, then orderId, clientOrderId each. */
const SEED = new RedisScript(`${OPEN_ORDERS_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 2, #KEYS do open_order(KEYS[i], ARGV[i * 2 - 2], ARGV[i * 2 - 1]) end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`);

export class OpenOrdersMirror {
  /** Markets whose checkpoint matched on the last apply: their next run needs no archive read. */
  private readonly aligned = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly pool: Pick<Pool, 'query'>,
    private readonly schema: string,
    private readonly batch: number,
  ) {}

  /**
   * The run of events after `last` that the read model has just applied. When the mirror is
   * elsewhere (behind after a failed apply, or missing), it catches up from the archive instead.
   */
  async applyRun(market: string, last: number, run: readonly EngineEvent[]): Promise<void> {
    if (this.aligned.delete(market) && (await this.apply(market, last, run))) this.aligned.add(market);
    else await this.catchUp(market);
  }

  /** Catches up a market whose last apply did not match or failed (or that this process has not seen yet). */
  async ensure(market: string): Promise<void> {
    if (!this.aligned.has(market)) await this.catchUp(market);
  }

  /** Brings the market's part up to the archive: seeded from the read model when missing. */
  private async catchUp(market: string): Promise<void> {
    for (;;) {
      const at = await this.redis.get(checkpointKey(this.schema, market));
      if (at === null) {
        await this.seed(market);
        continue;
      }
      const last = Number(at);
      const run = await archivedRun(this.pool, market, last, this.batch);
      if (!run.length) {
        this.aligned.add(market);
        return;
      }
      await this.apply(market, last, run); // lost to another process: read its checkpoint again
    }
  }

  private async apply(market: string, last: number, run: readonly EngineEvent[]): Promise<boolean> {
    const keys = [checkpointKey(this.schema, market)];
    const args: Array<string | number> = [last, last + run.length];
    for (const c of openOrderChanges(run)) {
      keys.push(openOrdersKey(this.schema, c.accountId));
      if (c.kind === 'open') args.push('o', c.orderId, c.clientOrderId ?? '');
      else args.push('c', c.orderId, '');
    }
    const [applied] = (await APPLY.run(this.redis, keys, args)) as [0 | 1, string?];
    return applied === 1;
  }

  /**
   * The market's open orders in the read model and the seq it has applied, read in one statement
   * (one snapshot), written with the checkpoint in one script unless another process did first.
   */
  private async seed(market: string): Promise<void> {
    const { rows } = await this.pool.query<{
      last_seq: string;
      order_id: string | null;
      account_id: string | null;
      client_order_id: string | null;
    }>(
      `SELECT coalesce((SELECT last_seq FROM projection_checkpoints WHERE market = $1), 0) AS last_seq,
              o.order_id, o.account_id, o.client_order_id
         FROM (SELECT 1) AS one
         LEFT JOIN orders o ON o.market = $1 AND o.status = ANY($2::text[])`,
      [market, OPEN_STATUSES],
    );
    const keys = [checkpointKey(this.schema, market)];
    const args: Array<string | number> = [rows[0]!.last_seq];
    for (const r of rows) {
      if (r.order_id === null) continue;
      keys.push(openOrdersKey(this.schema, Number(r.account_id)));
      args.push(r.order_id, r.client_order_id ?? '');
    }
    await SEED.run(this.redis, keys, args);
  }
}
