import { keys, type EngineEvent } from '@exchange/protocol';
import type { Logger, Redis } from '@exchange/service-kit';

interface Waiter {
  market: string;
  events: EngineEvent[];
  resolve(events: EngineEvent[] | null): void;
  timer: NodeJS.Timeout;
}

/** A stream entry's event: the first field whose value is a JSON object (the engine writes one). */
export function parseEventEntry(fields: string[]): EngineEvent | null {
  for (let i = 1; i < fields.length; i += 2) {
    const v = fields[i]!;
    if (v.charCodeAt(0) === 123 /* { */) {
      try {
        return JSON.parse(v) as EngineEvent;
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * Waits for the engine's outcome of a command: one loop per gateway process reads every market's
 * `events:{market}` stream (XREAD BLOCK, own connection) from the position it had when the market
 * was first tracked, and hands each command's events to whoever waits for its commandId. Register
 * with `expect` before enqueueing the command, so nothing can be missed.
 */
export class OutcomeWatcher {
  private readonly positions = new Map<string, string>();
  private readonly tracking = new Map<string, Promise<void>>();
  private readonly waiters = new Map<string, Waiter>();
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    private readonly onEvents: (market: string) => void = () => undefined,
    private readonly batch = 1000,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const [id, w] of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(w.events.length ? w.events : null);
      this.waiters.delete(id);
    }
  }

  /** Starts following a market from its stream's current end (idempotent). */
  track(market: string): Promise<void> {
    let p = this.tracking.get(market);
    if (!p) {
      p = (async () => {
        const last = (await this.redis.xrevrange(keys.eventStream(market), '+', '-', 'COUNT', 1)) as Array<
          [string, string[]]
        >;
        this.positions.set(market, last[0]?.[0] ?? '0-0');
      })();
      p.catch(() => this.tracking.delete(market));
      this.tracking.set(market, p);
    }
    return p;
  }

  /** Resolves with the command's events, or null after `timeoutMs` without any. Call after `track`. */
  expect(
    market: string,
    commandId: string,
    timeoutMs: number,
  ): { outcome: Promise<EngineEvent[] | null>; cancel(): void } {
    let resolve!: (v: EngineEvent[] | null) => void;
    const outcome = new Promise<EngineEvent[] | null>((r) => (resolve = r));
    const timer = setTimeout(() => this.finish(commandId), timeoutMs);
    this.waiters.set(commandId, { market, events: [], resolve, timer });
    return { outcome, cancel: () => this.finish(commandId) };
  }

  private finish(commandId: string): void {
    const w = this.waiters.get(commandId);
    if (!w) return;
    this.waiters.delete(commandId);
    clearTimeout(w.timer);
    w.resolve(w.events.length ? w.events : null);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const markets = [...this.positions.keys()];
      if (!markets.length) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = (await this.redis.xread(
          'COUNT',
          this.batch,
          'BLOCK',
          100,
          'STREAMS',
          ...markets.map(keys.eventStream),
          ...markets.map((m) => this.positions.get(m)!),
        )) as typeof reply;
      } catch (err) {
        if (!this.running) break;
        this.log.warn({ err }, 'reading event streams failed; retrying');
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      if (reply) for (const [stream, entries] of reply) this.dispatch(stream.slice('events:'.length), entries);
    }
  }

  private dispatch(market: string, entries: Array<[string, string[]]>): void {
    const touched = new Set<string>();
    let last: EngineEvent | null = null;
    for (const [id, fields] of entries) {
      this.positions.set(market, id);
      const event = parseEventEntry(fields);
      if (!event) continue;
      last = event;
      const w = this.waiters.get(event.commandId);
      if (w) {
        w.events.push(event);
        touched.add(event.commandId);
      }
    }
    // A command's events are published together; only a full batch may have cut the last one short.
    const maybeCut = entries.length >= this.batch && last ? last.commandId : null;
    for (const id of touched) if (id !== maybeCut) this.finish(id);
    if (entries.length) this.onEvents(market);
  }
}
