/**
 * Settlement of one market. Batches are settled in seq order; while batch N commits (its own
 * transaction, with the checkpoint), batch N+1 is already read and computed from the states batch
 * N produced, kept in memory — settlement is the only writer of those states. A plan is written only
 * if the stored checkpoint is still where it started; any failure drops the in-memory states and
 * starts again from the stored checkpoint, so a failed or stale batch never applies anything.
 * When drained, it waits for the engine's doorbell — an entry after the checkpoint on
 * events:{market} (XREAD BLOCK, own connection) — or the poll interval.
 */
import type { Pool } from '@exchange/db';
import type { OrderLock } from '@exchange/ledger';
import { keys } from '@exchange/protocol';
import type { Logger, Redis } from '@exchange/service-kit';
import type { MarketContext } from '../markets';
import type { Metrics } from '../metrics';
import type { AccountPublisher } from '../publisher';
import {
  commitPlan,
  computeBatch,
  readBatch,
  readCheckpoint,
  settleBatch,
  StalePlanError,
  type BatchPlan,
  type SettleBatchResult,
} from './settle-batch';

export interface SettlementLoopOptions {
  pool: Pool;
  market: MarketContext;
  /** Dedicated connection for the blocking doorbell read; without one, settlement polls. */
  doorbell?: Redis;
  batchSize: number;
  blockMs: number;
  log: Logger;
  metrics?: Metrics;
  publisher?: AccountPublisher;
}

type Outcome = { ok: true; result: SettleBatchResult; started: bigint } | { ok: false; error: unknown };
interface InFlight {
  outcome: Promise<Outcome>;
  /** The commit holds the checkpoint lock (or failed): the next may queue for it. */
  locked: Promise<void>;
  /** Orders the plan closed. */
  closing: number[];
}

/**
 * Plans being written at once. Batch N+1 appends its ledger rows while batch N still commits (on
 * another connection, so on the other core); it queues for the checkpoint lock only once N holds
 * it, so it commits after N or, if N failed, not at all (ADR 0033).
 */
const COMMITS_IN_FLIGHT = 2;

export class SettlementLoop {
  private stopping = false;
  private running: Promise<void> | null = null;
  /** States of open orders as the plans so far left them (committed or in flight). */
  private readonly states = new Map<number, OrderLock>();
  lastSeq = 0;

  constructor(private readonly o: SettlementLoopOptions) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.publishing;
  }

  /** One batch in one transaction, without the pipeline (tests). */
  async settleOnce(): Promise<SettleBatchResult> {
    const started = process.hrtime.bigint();
    const r = await settleBatch(this.o.pool, this.o.market, { limit: this.o.batchSize });
    this.lastSeq = r.lastSeq;
    await this.committed(r, started);
    await this.publishing;
    return r;
  }

  /**
   * Settles, pipelined, until the archive is drained; resolves with what it settled. Throws the
   * first failure (after which nothing of the failed batch, nor of those behind it, is applied).
   */
  async drain(): Promise<{ events: number; trades: number; batches: number }> {
    const totals = { events: 0, trades: 0, batches: 0 };
    const { pool, market, batchSize } = this.o;
    this.states.clear();
    let from = await readCheckpoint(pool, market.symbol);
    const inFlight: InFlight[] = [];
    const settleAll = async () => {
      while (inFlight.length > 0) await this.settle(inFlight.shift()!, totals);
    };
    try {
      for (;;) {
        let plan: BatchPlan;
        try {
          const input = await readBatch(pool, market.symbol, from, batchSize, this.states);
          plan = computeBatch(market, input);
        } catch (err) {
          // Our own commit failing explains everything behind it; otherwise, if another settler
          // moved the checkpoint meanwhile, what we read was not the state at `from`.
          await settleAll();
          const at = await readCheckpoint(pool, market.symbol);
          if (at !== from)
            throw new StalePlanError(
              `settlement checkpoint of ${market.symbol} moved to ${at} while computing from ${from}`,
              { cause: err },
            );
          throw err;
        }
        while (inFlight.length >= COMMITS_IN_FLIGHT) await this.settle(inFlight.shift()!, totals);
        if (plan.lastSeq === from) {
          await settleAll();
          return totals;
        }
        for (const l of plan.changed) this.states.set(l.orderId, l);
        from = plan.lastSeq;
        inFlight.push(this.commit(plan, inFlight.at(-1)?.locked));
        if (plan.events < batchSize) {
          await settleAll();
          return totals;
        }
      }
    } catch (err) {
      // never leave a transaction running behind a failure
      await Promise.all(inFlight.map((f) => f.outcome));
      this.states.clear();
      throw err;
    }
  }

  private commit(plan: BatchPlan, after?: Promise<void>): InFlight {
    const started = process.hrtime.bigint();
    const { locked, result } = commitPlan(this.o.pool, plan, after);
    const outcome = result.then(
      (result): Outcome => ({ ok: true, result, started }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
    // orders the plan closed are kept until it commits (a later plan may still meet them), then forgotten
    const closing = plan.changed.filter((l) => l.closed).map((l) => l.orderId);
    return { outcome, locked, closing };
  }

  private async settle(flight: InFlight, totals: { events: number; trades: number; batches: number }): Promise<void> {
    const outcome = await flight.outcome;
    if (!outcome.ok) throw outcome.error;
    for (const id of flight.closing) if (this.states.get(id)?.closed) this.states.delete(id);
    this.lastSeq = outcome.result.lastSeq;
    totals.events += outcome.result.events;
    totals.trades += outcome.result.trades;
    totals.batches++;
    await this.committed(outcome.result, outcome.started);
  }

  private async committed(r: SettleBatchResult, started: bigint): Promise<void> {
    const { metrics, publisher, market } = this.o;
    if (metrics && r.events > 0) {
      const m = market.symbol;
      metrics.settledEvents.inc({ market: m }, r.events);
      metrics.settledTrades.inc({ market: m }, r.trades);
      metrics.settlementBatchSeconds.observe({ market: m }, Number(process.hrtime.bigint() - started) / 1e9);
    }
    metrics?.settlementLastSeq.set({ market: market.symbol }, r.lastSeq);
    if (publisher && r.balances.length > 0) {
      // in commit order, but off the critical path: the next batch need not wait for Redis
      // (the publisher logs and counts its own failures; listeners resync from a read)
      this.publishing = this.publishing.then(() =>
        publisher.publish(r.balances, 'settlement', { market: market.symbol, seq: r.lastSeq }),
      );
    }
  }

  private publishing: Promise<void> = Promise.resolve();

  /** Resolves once every committed batch's balance changes have been handed to Redis. */
  flushed(): Promise<void> {
    return this.publishing;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.drain();
        failures = 0;
        await this.waitForEvents();
      } catch (err) {
        failures++;
        this.o.metrics?.stageErrors.inc({ stage: 'settlement', market: this.o.market.symbol });
        this.o.log.error(
          { err, market: this.o.market.symbol, failures },
          'settlement batch failed; nothing of it was applied, retrying',
        );
        await new Promise((r) => setTimeout(r, Math.min(5_000, 50 * 2 ** Math.min(failures, 7))));
      }
    }
  }

  private async waitForEvents(): Promise<void> {
    const { doorbell, blockMs, market } = this.o;
    if (!doorbell) {
      await new Promise((r) => setTimeout(r, blockMs));
      return;
    }
    // Entry ids are `${seq}-1`: anything after our checkpoint rings.
    await doorbell.xread('COUNT', 1, 'BLOCK', blockMs, 'STREAMS', keys.eventStream(market.symbol), `${this.lastSeq}-1`);
  }
}
