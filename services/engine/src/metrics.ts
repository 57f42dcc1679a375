import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface EngineMetrics {
  commands: Counter<'market'>;
  events: Counter<'market'>;
  duplicates: Counter<'market'>;
  malformed: Counter<'market'>;
  interruptedReads: Counter;
  batchSeconds: Histogram;
  batchCommands: Histogram;
  lag: Gauge<'market'>;
  pending: Gauge<'market'>;
  inflight: Gauge;
  lastSeq: Gauge<'market'>;
}

export function createMetrics(registry: Registry): EngineMetrics {
  const registers = [registry];
  return {
    commands: new Counter({
      name: 'engine_commands_total',
      help: 'Commands applied and archived',
      labelNames: ['market'],
      registers,
    }),
    events: new Counter({ name: 'engine_events_total', help: 'Events archived', labelNames: ['market'], registers }),
    duplicates: new Counter({
      name: 'engine_duplicate_inputs_total',
      help: 'Inputs acked without effect: their input id was not above the last applied one',
      labelNames: ['market'],
      registers,
    }),
    malformed: new Counter({
      name: 'engine_malformed_inputs_total',
      help: 'Stream entries without a valid input id (i), acked without effect',
      labelNames: ['market'],
      registers,
    }),
    interruptedReads: new Counter({
      name: 'engine_interrupted_reads_total',
      help: 'XREADGROUP > reads during which the connection closed: dropped, pending entries read instead (ADR 0083)',
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'engine_batch_seconds',
      help: 'From sealing a batch to its events being archived, published and its inputs acked',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    batchCommands: new Histogram({
      name: 'engine_batch_commands',
      help: 'Commands per archived batch',
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000],
      registers,
    }),
    lag: new Gauge({
      name: 'engine_stream_lag',
      help: 'Entries of engine:{market} not yet delivered to the engine (XINFO GROUPS lag)',
      labelNames: ['market'],
      registers,
    }),
    pending: new Gauge({
      name: 'engine_stream_pending',
      help: 'Entries of engine:{market} delivered but not yet acked',
      labelNames: ['market'],
      registers,
    }),
    inflight: new Gauge({ name: 'engine_inflight_commands', help: 'Read but not yet acked', registers }),
    lastSeq: new Gauge({ name: 'engine_last_seq', help: 'Last archived seq', labelNames: ['market'], registers }),
  };
}
