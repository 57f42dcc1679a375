/**
 * The output side of a shard: sealed batches go to the archive and then to Redis, in order. Up to
 * `parallel` archive transactions do their bulk COPY side by side; each COMMITs only after the
 * previous batch's COMMIT returned (and rolls back if that failed), so the archive grows by whole
 * batches in seq order. A batch is published — events, market data, then XACK — after its commit,
 * on one connection, so Redis sees batches in commit order too.
 */
import type { Pool } from '@exchange/db';
import { ArchiveTx, type MarketBatchRecord } from './archive';
import { EngineError } from './errors';
import type { Publisher, PublishItem } from './publisher';

export interface Batch {
  records: MarketBatchRecord[];
  /** [commands, events] of each record. */
  recordCounts: Array<[number, number]>;
  publish: PublishItem[];
  commands: number;
  events: number;
  /** Stream entries it acknowledges (duplicates included). */
  entries: number;
  sealedAt: number;
}

export interface OutputHooks {
  /** Seals whatever is open into a batch, or null. */
  seal(): Batch | null;
  archived(batch: Batch, ms: number): void;
  published(batch: Batch): void;
  /** Any failure: the shard must stop (its books may be ahead of the archive). */
  fail(err: unknown): void;
}

export interface OutputOptions {
  parallel: number;
  /** Publishes in flight at most. */
  maxPublishes: number;
  snapshotKeep: number;
}

export class Output {
  private readonly sealed: Batch[] = [];
  private flushing = false;
  private halted = false;
  private readonly archiving = new Set<Promise<void>>();
  private readonly publishes = new Set<Promise<void>>();
  /** The newest batch's archive: the next one commits after it. */
  private lastArchive: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly publisher: Publisher,
    private readonly opts: OutputOptions,
    private readonly hooks: OutputHooks,
  ) {}

  /** Queues a batch sealed early (it reached the size limit). */
  push(batch: Batch): void {
    this.sealed.push(batch);
  }

  /** Starts flushing unless it already is. */
  kick(): void {
    if (this.flushing || this.halted) return;
    this.flushing = true;
    void this.flush();
  }

  /** No more batches are started (after a failure). */
  halt(): void {
    this.halted = true;
  }

  /** Waits until everything sealed so far is archived and published. */
  async drain(): Promise<void> {
    while (this.flushing || this.archiving.size > 0 || this.publishes.size > 0) {
      await Promise.allSettled([...this.archiving, ...this.publishes]);
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  private async flush(): Promise<void> {
    try {
      for (;;) {
        while (this.archiving.size >= this.opts.parallel || this.publishes.size >= this.opts.maxPublishes) {
          await Promise.race([...this.archiving, ...this.publishes]);
        }
        const batch = this.halted ? undefined : (this.sealed.shift() ?? this.hooks.seal() ?? undefined);
        if (!batch) {
          this.flushing = false;
          return;
        }
        const archived: Promise<void> = this.archive(batch, this.lastArchive).then(
          () => {
            this.archiving.delete(archived);
            const published: Promise<void> = this.publisher.publish(batch.publish).then(
              () => {
                this.publishes.delete(published);
                this.hooks.published(batch);
              },
              (err) => {
                this.publishes.delete(published);
                this.hooks.fail(err);
              },
            );
            this.publishes.add(published);
          },
          (err) => {
            this.archiving.delete(archived);
            this.hooks.fail(err);
            throw err;
          },
        );
        archived.catch(() => undefined);
        this.archiving.add(archived);
        this.lastArchive = archived;
      }
    } catch (err) {
      this.flushing = false;
      this.hooks.fail(err);
    }
  }

  /** Archives a batch; its COMMIT waits for the previous batch's (and never happens if that failed). */
  private async archive(batch: Batch, previous: Promise<void>): Promise<void> {
    if (batch.records.length === 0) return previous;
    const t0 = performance.now();
    const failed = (err: unknown) =>
      new EngineError('ARCHIVE_FAILED', (err as Error).message, { commands: batch.commands }, { cause: err });
    let tx: ArchiveTx;
    try {
      tx = await ArchiveTx.open(this.pool, batch.records);
    } catch (err) {
      throw failed(err);
    }
    try {
      await previous;
    } catch (err) {
      await tx.rollback();
      throw err;
    }
    try {
      await tx.commit(this.opts.snapshotKeep);
    } catch (err) {
      throw failed(err);
    }
    this.hooks.archived(batch, performance.now() - t0);
  }
}
