/**
 * One shard's engine: recovery, then the loop. Reading, matching and sealing batches run on the
 * event loop synchronously; archiving and publishing (output.ts) overlap with reading and matching
 * the next batch. An entry is acked only after its batch is archived and its events are in the
 * stream.
 */
import { createPool, type Pool } from '@exchange/db';
import { consumerGroups } from '@exchange/protocol';
import {
  checkRedisDurability,
  createRedis,
  createRegistry,
  RedisNotDurableError,
  type Logger,
  type Redis,
} from '@exchange/service-kit';
import { UnitsError } from '@exchange/units';
import type { Registry } from 'prom-client';
import { loadShardMarkets } from './archive';
import type { EngineEntry } from './codec';
import type { EngineConfig } from './config';
import { StreamReader } from './consumer';
import { EngineError } from './errors';
import { maintainMarket } from './maintenance';
import { MarketDataBuilder } from './market-data';
import { createMetrics, type EngineMetrics } from './metrics';
import { Output, type Batch } from './output';
import { Publisher } from './publisher';
import { recoverMarket, republishMissing } from './recovery';
import { MarketState, NO_INPUT } from './shard';
import { MarketBatchBuilder, sealBatch, type MarketRuntime } from './batch';
import { SnapshotPolicy } from './snapshots';

export interface EngineDeps {
  log: Logger;
  registry?: Registry;
}

/** Most event-producing publishes in flight behind the archive. */
const MAX_PUBLISHES = 4;

export class Engine {
  readonly markets = new Map<string, MarketRuntime>();
  /** How each market was recovered at start. */
  readonly recovery = new Map<string, { snapshotSeq: number | null; replayed: number; republished: number }>();
  readonly metrics: EngineMetrics;
  readonly registry: Registry;
  /** Resolves when stopped cleanly; rejects with the error that stopped the engine. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private rejectDone!: (err: unknown) => void;
  private readonly pool: Pool;
  private readonly reader: Redis;
  private readonly writer: Redis;
  private readonly admin: Redis;
  private readonly publisher: Publisher;
  private readonly output: Output;
  private streamReader!: StreamReader;
  private readonly snapshots: SnapshotPolicy;
  private openCommands = 0;
  private openEntries = 0;
  /** Entries read and not yet acked. */
  private inflight = 0;
  private wakeReader: (() => void) | null = null;
  private stopping = false;
  private failed: unknown = null;
  private readLoopDone: Promise<void> = Promise.resolve();
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private maintaining = false;
  private stopped: Promise<void> | null = null;
  ready = false;

  private constructor(
    readonly config: EngineConfig,
    private readonly log: Logger,
    registry?: Registry,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
    this.registry = registry ?? createRegistry('engine');
    this.metrics = createMetrics(this.registry);
    this.pool = createPool({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      max: config.ENGINE_ARCHIVE_PARALLEL + 2,
      onError: (err) => log.error({ err }, 'idle postgres client error'),
    });
    const name = `engine:${config.ENGINE_SHARD}`;
    this.reader = createRedis(config.REDIS_URL, `${name}:read`);
    this.writer = createRedis(config.REDIS_URL, `${name}:write`);
    this.admin = createRedis(config.REDIS_URL, `${name}:admin`);
    this.publisher = new Publisher(this.writer);
    this.output = new Output(
      this.pool,
      this.publisher,
      { parallel: config.ENGINE_ARCHIVE_PARALLEL, maxPublishes: MAX_PUBLISHES, snapshotKeep: config.SNAPSHOT_KEEP },
      {
        seal: () => this.seal(),
        archived: (batch, ms) => this.archived(batch, ms),
        published: (batch) => this.published(batch),
        fail: (err) => this.fail(err),
      },
    );
    this.snapshots = new SnapshotPolicy(config.SNAPSHOT_EVERY_EVENTS, config.SNAPSHOT_EVERY_MS);
  }

  /** Recovers every market of the shard and starts consuming. Throws (after closing) if recovery fails. */
  static async start(config: EngineConfig, deps: EngineDeps): Promise<Engine> {
    const engine = new Engine(config, deps.log, deps.registry);
    try {
      await engine.recover();
    } catch (err) {
      await engine.close();
      throw err;
    }
    engine.readLoopDone = engine.readLoop().catch((err) => engine.fail(err));
    engine.output.kick();
    engine.maintenanceTimer = setInterval(() => void engine.maintain(), config.ENGINE_MAINTENANCE_MS);
    engine.maintenanceTimer.unref();
    engine.ready = true;
    return engine;
  }

  private async recover(): Promise<void> {
    const { config, log } = this;
    // REQUIRE_DURABLE_REDIS=true is the older spelling of REDIS_DURABILITY=require.
    const mode = config.REQUIRE_DURABLE_REDIS ? 'require' : config.REDIS_DURABILITY;
    await checkRedisDurability(this.admin, { log, mode, service: 'engine', registry: this.registry }).catch(
      (err: unknown) => {
        if (err instanceof RedisNotDurableError)
          throw new EngineError('REDIS_NOT_DURABLE', err.message, { ...err.details });
        throw err;
      },
    );
    const rows = await loadShardMarkets(this.pool, config.ENGINE_SHARD);
    if (rows.length === 0) {
      throw new EngineError('NO_MARKETS', `no market has shard ${config.ENGINE_SHARD}`, { shard: config.ENGINE_SHARD });
    }
    const symbols = rows.map((r) => r.config.symbol);
    this.streamReader = new StreamReader(this.reader, symbols, {
      consumer: config.ENGINE_SHARD,
      count: config.ENGINE_READ_COUNT,
      blockMs: config.ENGINE_BLOCK_MS,
    });
    await this.streamReader.ensureGroups();
    for (const row of rows) {
      const symbol = row.config.symbol;
      const t0 = performance.now();
      let rec;
      try {
        rec = await recoverMarket(this.pool, row);
      } catch (err) {
        if (!(err instanceof UnitsError)) throw err;
        throw new EngineError(
          'INVALID_MARKET',
          `${symbol}: ${(err as Error).message}`,
          { market: symbol },
          { cause: err },
        );
      }
      const { state } = rec;
      const md = new MarketDataBuilder(state.mb.market, config.MD_DEPTH, state.seq);
      this.markets.set(symbol, { state, md, committedSeq: state.seq, open: new MarketBatchBuilder(symbol, md) });
      this.metrics.lastSeq.set({ market: symbol }, state.seq);
      if (rec.snapshot) this.snapshots.mark(symbol, rec.snapshot.seq, rec.snapshot.lastInputId);
      else this.snapshots.mark(symbol, 0, NO_INPUT);
      const republished = await republishMissing(
        this.pool,
        this.admin,
        this.publisher,
        symbol,
        state.seq,
        config.EVENTS_STREAM_RETAIN,
        log,
      );
      const claimed = await this.streamReader.claimAbandoned(symbol);
      this.recovery.set(symbol, { snapshotSeq: rec.snapshot?.seq ?? null, replayed: rec.replayed, republished });
      log.info(
        {
          market: symbol,
          seq: state.seq,
          lastInputId: state.lastInputId,
          snapshotSeq: rec.snapshot?.seq ?? null,
          replayed: rec.replayed,
          republished,
          claimed,
          ms: Math.round(performance.now() - t0),
        },
        'market recovered',
      );
      if (row.status === 'halted' && !state.mb.book.halted) {
        if (rec.fresh) {
          // A new market configured halted starts with a halt in its own log (input id 0-0, below every
          // real stream id), so replays from scratch see it too.
          this.apply(symbol, {
            input: { id: NO_INPUT, ms: '0', n: '0' },
            raw: JSON.stringify({ type: 'halt', commandId: `config-halt:${symbol}`, market: symbol, ts: Date.now() }),
          });
        } else {
          log.warn({ market: symbol }, 'markets.status is halted but the book is trading: the command log decides');
        }
      }
    }
  }

  // ---- reading and matching ---------------------------------------------------------------------

  private async readLoop(): Promise<void> {
    await this.readPending();
    while (!this.stopping) {
      await this.backpressure();
      if (this.stopping) break;
      const read = await this.streamReader.readNew();
      if (read === 'interrupted') {
        this.metrics.interruptedReads.inc();
        this.log.warn('connection closed during a read: reading pending entries first');
        await this.readPending();
        continue;
      }
      for (const [symbol, entries] of read) this.accept(symbol, entries);
    }
  }

  /** Entries delivered to this shard and not yet read: at start, and after an interrupted read. */
  private async readPending(): Promise<void> {
    for (const symbol of this.markets.keys()) {
      while (!this.stopping) {
        const entries = await this.streamReader.readPending(symbol);
        if (entries.length === 0) break;
        this.accept(symbol, entries);
        await this.backpressure();
      }
    }
  }

  private accept(symbol: string, entries: EngineEntry[]): void {
    if (entries.length === 0 || this.failed) return;
    const rt = this.markets.get(symbol)!;
    this.inflight += entries.length;
    for (const entry of entries) {
      this.openEntries++;
      rt.open.acks.push(entry.entryId);
      const input = MarketState.inputId(entry.inputId);
      if (!input) {
        this.metrics.malformed.inc({ market: symbol });
        this.log.error(
          { market: symbol, entryId: entry.entryId, i: entry.inputId },
          'entry without a valid input id: acked without effect',
        );
        continue;
      }
      if (!rt.state.isNew(input.id)) {
        this.metrics.duplicates.inc({ market: symbol });
        continue;
      }
      this.apply(symbol, { input, raw: entry.command, lockRejected: entry.lockRejected });
    }
    this.metrics.inflight.set(this.inflight);
    this.output.kick();
  }

  /** Applies one input to its market's book and adds it to the open batch. */
  private apply(
    symbol: string,
    input: { input: { id: string; ms: string; n: string }; raw: string | undefined; lockRejected?: string },
  ): void {
    const rt = this.markets.get(symbol)!;
    rt.open.add(rt.state.applyRaw(input.input, input.raw, input.lockRejected));
    if (++this.openCommands >= this.config.ENGINE_MAX_BATCH) {
      const batch = this.seal();
      if (batch) this.output.push(batch);
    }
  }

  /** Closes the open batch: from here its content and derived data are fixed. */
  private seal(final = false): Batch | null {
    if (this.openEntries === 0 && this.openCommands === 0 && !final) return null;
    const batch = sealBatch(this.markets, this.snapshots, this.openEntries, final);
    this.openCommands = 0;
    this.openEntries = 0;
    return batch;
  }

  // ---- after archiving and publishing ----------------------------------------------------------

  private archived(batch: Batch, ms: number): void {
    batch.records.forEach((r, k) => {
      const [commands, events] = batch.recordCounts[k]!;
      this.markets.get(r.market)!.committedSeq = r.lastSeq;
      this.metrics.lastSeq.set({ market: r.market }, r.lastSeq);
      this.metrics.commands.inc({ market: r.market }, commands);
      this.metrics.events.inc({ market: r.market }, events);
    });
    this.metrics.batchCommands.observe(batch.commands);
    this.log.debug({ commands: batch.commands, events: batch.events, ms: Math.round(ms) }, 'batch archived');
  }

  private published(batch: Batch): void {
    this.inflight -= batch.entries;
    this.metrics.inflight.set(this.inflight);
    this.metrics.batchSeconds.observe((performance.now() - batch.sealedAt) / 1000);
    this.wake();
  }

  private backpressure(): Promise<void> | void {
    if (this.inflight < this.config.ENGINE_MAX_INFLIGHT || this.stopping) return;
    return new Promise<void>((resolve) => (this.wakeReader = resolve)).then(() => this.backpressure());
  }

  private wake(): void {
    const w = this.wakeReader;
    this.wakeReader = null;
    w?.();
  }

  // ---- upkeep and lifecycle ---------------------------------------------------------------------

  private async maintain(): Promise<void> {
    if (this.maintaining || this.stopping) return;
    this.maintaining = true;
    try {
      for (const [symbol, rt] of this.markets) {
        const s = await maintainMarket(
          this.admin,
          symbol,
          consumerGroups.engine,
          rt.committedSeq,
          this.config.EVENTS_STREAM_RETAIN,
        );
        if (s.lag !== null) this.metrics.lag.set({ market: symbol }, s.lag);
        this.metrics.pending.set({ market: symbol }, s.pending);
      }
    } catch (err) {
      this.log.warn({ err }, 'stream maintenance failed; retrying next round');
    } finally {
      this.maintaining = false;
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = err;
    this.stopping = true;
    this.ready = false;
    this.output.halt();
    this.log.fatal({ err }, 'engine stopped: the books may be ahead of the archive, restart to recover');
    this.wake();
    this.rejectDone(err);
  }

  /** Status for /readyz and tests. */
  async healthy(): Promise<boolean> {
    if (!this.ready || this.failed) return false;
    await this.pool.query('SELECT 1');
    return (await this.admin.ping()) === 'PONG';
  }

  /**
   * Clean stop: no more reads, everything read is archived, published and acked, each changed book
   * is snapshotted, connections closed.
   */
  stop(): Promise<void> {
    return (this.stopped ??= this.shutdown());
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.ready = false;
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    this.wake();
    await this.readLoopDone;
    if (!this.failed) {
      await this.output.drain();
      const last = this.seal(true);
      if (last) this.output.push(last);
      this.output.kick();
      await this.output.drain();
    }
    await this.close();
    if (this.failed) return;
    this.log.info({ markets: [...this.markets.keys()] }, 'engine stopped cleanly');
    this.resolveDone();
  }

  /**
   * Stops at once, as a crash would: nothing open is archived, nothing more published or acked, no
   * snapshot. For tests of recovery inside one process.
   */
  async kill(): Promise<void> {
    this.failed ??= new Error('killed');
    this.stopping = true;
    this.ready = false;
    this.wake();
    await this.readLoopDone;
    await this.close();
    this.resolveDone();
  }

  private async close(): Promise<void> {
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    this.reader.disconnect();
    await Promise.allSettled([this.writer.quit(), this.admin.quit()]);
    await this.pool.end().catch(() => undefined);
  }
}
