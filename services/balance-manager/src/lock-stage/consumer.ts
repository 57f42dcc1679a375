/**
 * The lock stage of one market: consumer group `bm-lock` on cmd:{market}, one active consumer per
 * market (order matters), on its own Redis connection because XREADGROUP … BLOCK holds it.
 * Per batch: lock in Postgres (one transaction, with the stream position), then forward every
 * entry in order to engine:{market}, then XACK. After a crash the entries still pending are read
 * again from id 0 and forwarded again: the checkpoint makes the locks idempotent, the engine drops
 * the duplicates by input id. A `>` read during which the connection closed is dropped and the
 * pending entries read instead (see connectionCloses): entries must be locked in stream order.
 */
import type { Pool } from '@exchange/db';
import { consumerGroups, keys } from '@exchange/protocol';
import { connectionCloses, type Logger, type Redis } from '@exchange/service-kit';
import type { MarketContext } from '../markets';
import type { Metrics } from '../metrics';
import type { AccountPublisher } from '../publisher';
import { engineFields, parseCommandEntry } from './entries';
import { lockBatch, type LockBatchResult } from './lock-batch';

export interface LockConsumerOptions {
  pool: Pool;
  market: MarketContext;
  /** Dedicated connection for the blocking reads. */
  reader: Redis;
  /** Connection for XADD, XACK and PUBLISH. */
  writer: Redis;
  consumer: string;
  batchSize: number;
  blockMs: number;
  log: Logger;
  metrics?: Metrics;
  publisher?: AccountPublisher;
  /** Test-only: SIGKILL this process after this many committed batches, before forwarding. */
  crashAfterCommits?: number;
}

type RawEntry = [id: string, fields: string[] | null];

export async function ensureGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
  }
}

export class LockConsumer {
  private stopping = false;
  private running: Promise<void> | null = null;
  private commits = 0;
  private readonly stream: string;
  private readonly group = consumerGroups.balanceLock;
  private readonly readerCloses: () => number;

  constructor(private readonly o: LockConsumerOptions) {
    this.stream = keys.commandStream(o.market.symbol);
    this.readerCloses = connectionCloses(o.reader);
  }

  async start(): Promise<void> {
    await ensureGroup(this.o.writer, this.stream, this.group);
    await this.claimOrphans();
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Entries left pending by another consumer name (a replaced process) become ours, in order. */
  private async claimOrphans(): Promise<void> {
    let cursor = '0-0';
    do {
      const [next] = (await this.o.writer.xautoclaim(
        this.stream,
        this.group,
        this.o.consumer,
        0,
        cursor,
        'COUNT',
        1000,
        'JUSTID',
      )) as [string, string[]];
      cursor = next;
    } while (cursor !== '0-0');
  }

  private async loop(): Promise<void> {
    const { reader, consumer, batchSize, blockMs, log } = this.o;
    let cursor = '0'; // first our own pending entries (a crash between commit and ack), then new ones
    let failures = 0;
    while (!this.stopping) {
      try {
        const closes = this.readerCloses();
        const reply = (await reader.xreadgroup(
          'GROUP',
          this.group,
          consumer,
          'COUNT',
          batchSize,
          'BLOCK',
          blockMs,
          'STREAMS',
          this.stream,
          cursor,
        )) as Array<[string, RawEntry[]]> | null;
        if (cursor === '>' && this.readerCloses() !== closes) {
          this.o.metrics?.lockInterruptedReads.inc({ market: this.o.market.symbol });
          log.warn({ market: this.o.market.symbol }, 'connection closed during a read: reading pending entries first');
          cursor = '0';
          continue;
        }
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) {
          if (cursor === '0') cursor = '>';
          continue;
        }
        await this.process(entries);
        failures = 0;
      } catch (err) {
        failures++;
        this.o.metrics?.stageErrors.inc({ stage: 'lock', market: this.o.market.symbol });
        log.error({ err, market: this.o.market.symbol, failures }, 'lock batch failed; retrying its pending entries');
        cursor = '0';
        await new Promise((r) => setTimeout(r, Math.min(5_000, 50 * 2 ** Math.min(failures, 7))));
      }
    }
  }

  /** One batch: lock (one transaction), forward in order, ack. Exposed for tests. */
  async process(raw: readonly RawEntry[]): Promise<LockBatchResult> {
    const { pool, market, writer, metrics, log } = this.o;
    const started = process.hrtime.bigint();
    const entries = raw.map(([id, fields]) => parseCommandEntry(id, fields));
    for (const e of entries) {
      if (!e.valid) {
        metrics?.lockCommands.inc({ market: market.symbol, outcome: 'invalid' });
        log.warn(
          { inputId: e.inputId, error: e.error },
          'invalid command forwarded unlocked: the engine records its rejection',
        );
      }
    }
    const result = await lockBatch(pool, market, entries);
    if (this.o.crashAfterCommits !== undefined && ++this.commits >= this.o.crashAfterCommits) {
      log.warn({ commits: this.commits }, 'failpoint lock-after-commit: dying before the forward');
      process.kill(process.pid, 'SIGKILL');
    }
    const engineStream = keys.engineStream(market.symbol);
    const add = writer.pipeline();
    for (const f of result.forwards) add.xadd(engineStream, '*', ...engineFields(f));
    throwOnError(await add.exec(), 'XADD engine');
    throwOnError(
      await writer
        .pipeline()
        .xack(this.stream, this.group, ...raw.map(([id]) => id))
        .exec(),
      'XACK',
    );
    if (metrics) {
      const m = market.symbol;
      metrics.lockCommands.inc({ market: m, outcome: 'locked' }, result.locked);
      metrics.lockCommands.inc({ market: m, outcome: 'refused' }, result.refused);
      metrics.lockCommands.inc({ market: m, outcome: 'reforwarded' }, result.reforwarded);
      metrics.lockBatchSeconds.observe({ market: m }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    await this.o.publisher?.publish(result.balances, 'lock');
    return result;
  }
}

function throwOnError(replies: Array<[Error | null, unknown]> | null, what: string): void {
  if (!replies) throw new Error(`${what}: pipeline was not executed`);
  for (const [err] of replies) if (err) throw err;
}
