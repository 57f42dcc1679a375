/**
 * The Redis side of the output, after the archive commit: events to events:{market} (entry id
 * `${seq}-1`, field `e` = the EngineEvent JSON), market data to md:{market}, order updates to
 * acct:{accountId}, then XACK of the batch's input entries — all in one pipeline on one connection,
 * so batches reach Redis in commit order.
 *
 * Events are appended by a small Lua script, up to CHUNK per call, sent as three arguments: the
 * first seq (a batch's events of one market have consecutive seqs), their byte lengths, and their
 * JSON concatenated. One argument per event would cost the client more than the matching does. An
 * id already present ("equal or smaller than the target stream top item") means the event was
 * published before a crash and is skipped, as plain XADD would report.
 */
import { consumerGroups, keys } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { EngineError } from './errors';

const XADD_EVENTS = `
local seq = tonumber(ARGV[1])
local blob = ARGV[3]
local pos = 1
local added = 0
for len in string.gmatch(ARGV[2], '%d+') do
  local n = tonumber(len)
  local r = redis.pcall('XADD', KEYS[1], string.format('%d-1', seq), 'e', string.sub(blob, pos, pos + n - 1))
  if type(r) == 'table' and r.err then
    if not string.find(r.err, 'equal or smaller', 1, true) then return r end
  else
    added = added + 1
  end
  pos = pos + n
  seq = seq + 1
end
return added`;

/** Events per script call: bounds how long one call keeps Redis busy. */
const CHUNK = 2_000;

/** A run of events with consecutive seqs: their JSON concatenated (UTF-8) and each one's byte length. */
export interface EventRun {
  firstSeq: number;
  lengths: number[];
  bodies: Buffer;
}

export interface PublishItem {
  market: string;
  events: EventRun;
  md: string[];
  accounts: Array<[number, string]>;
  /** engine:{market} entry ids to acknowledge. */
  ackIds: string[];
}

type Pipeline = ReturnType<Redis['pipeline']> & { xaddEvents(key: string, ...args: Array<string | Buffer>): unknown };

export class Publisher {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('xaddEvents', { numberOfKeys: 1, lua: XADD_EVENTS });
  }

  /** Returns the number of events newly appended. Throws PUBLISH_FAILED on any other error. */
  async publish(items: PublishItem[]): Promise<number> {
    const p = this.redis.pipeline() as Pipeline;
    const isScript: boolean[] = [];
    for (const it of items) {
      const stream = keys.eventStream(it.market);
      const { firstSeq, lengths, bodies } = it.events;
      let offset = 0;
      for (let k = 0; k < lengths.length; k += CHUNK) {
        const end = Math.min(k + CHUNK, lengths.length);
        let bytes = 0;
        for (let j = k; j < end; j++) bytes += lengths[j]!;
        p.xaddEvents(
          stream,
          String(firstSeq + k),
          lengths.slice(k, end).join(','),
          bodies.subarray(offset, offset + bytes),
        );
        isScript.push(true);
        offset += bytes;
      }
      const channel = keys.marketDataChannel(it.market);
      for (const msg of it.md) {
        p.publish(channel, msg);
        isScript.push(false);
      }
      for (const [account, msg] of it.accounts) {
        p.publish(keys.accountChannel(account), msg);
        isScript.push(false);
      }
      if (it.ackIds.length > 0) {
        p.xack(keys.engineStream(it.market), consumerGroups.engine, ...it.ackIds);
        isScript.push(false);
      }
    }
    if (isScript.length === 0) return 0;
    const results = (await p.exec()) ?? [];
    let added = 0;
    for (let k = 0; k < results.length; k++) {
      const [err, value] = results[k]!;
      if (err) throw new EngineError('PUBLISH_FAILED', err.message, { command: k }, { cause: err });
      if (isScript[k]) added += Number(value);
    }
    return added;
  }

  /** Appends archived events with consecutive seqs (recovery's re-publish); ids already present are skipped. */
  async republish(market: string, events: Array<{ seq: number; body: string }>): Promise<number> {
    if (events.length === 0) return 0;
    const parts = events.map((e) => Buffer.from(e.body));
    const run: EventRun = {
      firstSeq: events[0]!.seq,
      lengths: parts.map((b) => b.length),
      bodies: Buffer.concat(parts),
    };
    return this.publish([{ market, events: run, md: [], accounts: [], ackIds: [] }]);
  }
}
