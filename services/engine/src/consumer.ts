/**
 * Reading engine:{market} through the consumer group `engine`, on a dedicated connection: first the
 * entries this consumer (named after the shard) already holds — after claiming those of any other
 * consumer — then new ones with a finite BLOCK in a loop. Never BLOCK 0: after a reconnect such a
 * read can hang forever. A `>` read during which the connection closed may have delivered entries
 * whose reply was lost (see connectionCloses): it reports `interrupted`, and the caller reads the
 * pending entries again, from after the last one it was given.
 */
import { consumerGroups, keys } from '@exchange/protocol';
import { connectionCloses, type Redis } from '@exchange/service-kit';
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
  /** Per market, the id of the last entry handed out: pending entries are read from after it. */
  private readonly readUpTo = new Map<string, string>();
  private readonly closes: () => number;

  constructor(
    private readonly redis: Redis,
    markets: string[],
    private readonly opts: ReaderOptions,
  ) {
    this.streams = markets.map((m) => keys.engineStream(m));
    markets.forEach((m, k) => this.marketOf.set(this.streams[k]!, m));
    this.closes = connectionCloses(redis);
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

  /** Entries delivered to this consumer, not acked and not yet handed out (non-blocking). */
  async readPending(market: string): Promise<EngineEntry[]> {
    const res = (await this.withGroup(() =>
      this.redis.xreadgroup(
        'GROUP',
        this.group,
        this.opts.consumer,
        'COUNT',
        this.opts.count,
        'STREAMS',
        keys.engineStream(market),
        this.readUpTo.get(market) ?? '0',
      ),
    )) as RawRead;
    return res?.[0] ? this.handOut(market, res[0][1]) : [];
  }

  /** New entries of every stream; [] after BLOCK ms without any; `interrupted` if the connection closed meanwhile. */
  async readNew(): Promise<Array<[market: string, entries: EngineEntry[]]> | 'interrupted'> {
    const ids = this.streams.map(() => '>');
    const closes = this.closes();
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
    if (this.closes() !== closes) return 'interrupted';
    if (!res) return [];
    return res.map(([key, entries]) => {
      const market = this.marketOf.get(key)!;
      return [market, this.handOut(market, entries)];
    });
  }

  private handOut(market: string, raw: RawEntries): EngineEntry[] {
    if (raw.length > 0) this.readUpTo.set(market, raw[raw.length - 1]![0]);
    return toEntries(raw);
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
