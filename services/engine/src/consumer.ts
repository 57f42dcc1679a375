/**
 * Reading engine:{market} through the consumer group `engine`, on a dedicated connection: first the
 * entries this consumer (named after the shard) already holds — after claiming those of any other
 * consumer — then new ones with a finite BLOCK in a loop. Never BLOCK 0: after a reconnect such a
 * read can hang forever.
 */
import { consumerGroups, keys } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { readEntry, type EngineEntry } from './codec';

type RawEntries = Array<[id: string, fields: string[] | null]>;
type RawRead = Array<[key: string, entries: RawEntries]> | null;

export interface ReaderOptions {
  consumer: string;
  count: number;
  blockMs: number;
}

const isMessage = (err: unknown, text: string) => err instanceof Error && err.message.includes(text);

export class StreamReader {
  private readonly group = consumerGroups.engine;
  private readonly marketOf = new Map<string, string>();
  private readonly streams: string[];

  constructor(
    private readonly redis: Redis,
    markets: string[],
    private readonly opts: ReaderOptions,
  ) {
    this.streams = markets.map((m) => keys.engineStream(m));
    markets.forEach((m, k) => this.marketOf.set(this.streams[k]!, m));
  }

  /** Creates the group on every stream (reading from the start of the stream) unless it exists. */
  async ensureGroups(): Promise<void> {
    for (const stream of this.streams) {
      try {
        await this.redis.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM');
      } catch (err) {
        if (!isMessage(err, 'BUSYGROUP')) throw err;
      }
    }
  }

  /**
   * Takes over every entry pending for another consumer of the group (a renamed or dead shard
   * process): one engine owns a market, so anything it did not acknowledge is ours to finish. Must
   * run before reading, so that the claimed entries are applied in stream order with our own.
   */
  async claimAbandoned(market: string): Promise<number> {
    const stream = keys.engineStream(market);
    let cursor = '0-0';
    let claimed = 0;
    do {
      const res = (await this.redis.call(
        'XAUTOCLAIM',
        stream,
        this.group,
        this.opts.consumer,
        '0',
        cursor,
        'COUNT',
        '1000',
        'JUSTID',
      )) as [string, string[], string[]?];
      cursor = res[0];
      claimed += res[1].length;
    } while (cursor !== '0-0');
    return claimed;
  }

  /** Entries already delivered to this consumer and not acked, with id above `after` (non-blocking). */
  async readPending(market: string, after: string): Promise<EngineEntry[]> {
    const res = (await this.withGroup(() =>
      this.redis.xreadgroup(
        'GROUP',
        this.group,
        this.opts.consumer,
        'COUNT',
        this.opts.count,
        'STREAMS',
        keys.engineStream(market),
        after,
      ),
    )) as RawRead;
    return res?.[0] ? toEntries(res[0][1]) : [];
  }

  /** New entries of every stream; [] after BLOCK ms without any. */
  async readNew(): Promise<Array<[market: string, entries: EngineEntry[]]>> {
    const ids = this.streams.map(() => '>');
    const res = (await this.withGroup(() =>
      this.redis.xreadgroup(
        'GROUP',
        this.group,
        this.opts.consumer,
        'COUNT',
        this.opts.count,
        'BLOCK',
        this.opts.blockMs,
        'STREAMS',
        ...this.streams,
        ...ids,
      ),
    )) as RawRead;
    if (!res) return [];
    return res.map(([key, entries]) => [this.marketOf.get(key)!, toEntries(entries)]);
  }

  /** A stream or group lost (Redis restarted without persistence) is recreated, then the read retried. */
  private async withGroup<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (!isMessage(err, 'NOGROUP')) throw err;
      await this.ensureGroups();
      return read();
    }
  }
}

function toEntries(raw: RawEntries): EngineEntry[] {
  const out = new Array<EngineEntry>(raw.length);
  for (let k = 0; k < raw.length; k++) out[k] = readEntry(raw[k]![0], raw[k]![1]);
  return out;
}
