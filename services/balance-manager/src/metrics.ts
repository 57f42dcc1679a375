import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface Metrics {
  lockCommands: Counter<'market' | 'outcome'>;
  lockBatchSeconds: Histogram<'market'>;
  settledEvents: Counter<'market'>;
  settledTrades: Counter<'market'>;
  settlementBatchSeconds: Histogram<'market'>;
  settlementLastSeq: Gauge<'market'>;
  stageErrors: Counter<'stage' | 'market'>;
  lockInterruptedReads: Counter<'market'>;
  publishErrors: Counter;
}

export function createMetrics(registry: Registry): Metrics {
  const registers = [registry];
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  return {
    lockCommands: new Counter({
      name: 'bm_lock_commands_total',
      help: 'Commands through the lock stage by outcome: locked, refused, passed (nothing to lock), reforwarded, invalid',
      labelNames: ['market', 'outcome'],
      registers,
    }),
    lockBatchSeconds: new Histogram({
      name: 'bm_lock_batch_seconds',
      help: 'Lock stage batch: transaction + forward',
      labelNames: ['market'],
      buckets,
      registers,
    }),
    settledEvents: new Counter({
      name: 'bm_settled_events_total',
      help: 'Archived events settled',
      labelNames: ['market'],
      registers,
    }),
    settledTrades: new Counter({
      name: 'bm_settled_trades_total',
      help: 'Trades settled',
      labelNames: ['market'],
      registers,
    }),
    settlementBatchSeconds: new Histogram({
      name: 'bm_settlement_batch_seconds',
      help: 'Settlement batch transaction',
      labelNames: ['market'],
      buckets,
      registers,
    }),
    settlementLastSeq: new Gauge({
      name: 'bm_settlement_last_seq',
      help: 'Last settled event seq',
      labelNames: ['market'],
      registers,
    }),
    stageErrors: new Counter({
      name: 'bm_stage_errors_total',
      help: 'Failed batches (retried)',
      labelNames: ['stage', 'market'],
      registers,
    }),
    lockInterruptedReads: new Counter({
      name: 'bm_lock_interrupted_reads_total',
      help: 'XREADGROUP > reads of cmd:{market} during which the connection closed: dropped, pending entries read instead (ADR 0083)',
      labelNames: ['market'],
      registers,
    }),
    publishErrors: new Counter({ name: 'bm_publish_errors_total', help: 'Failed acct:{id} publishes', registers }),
  };
}
