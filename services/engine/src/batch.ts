/**
 * One market's open batch, built up while commands are applied: what is kept is already in output
 * form (COPY lines, XADD arguments, market-data JSON), so the book's event objects die young and the
 * garbage collector has little to trace while a batch waits for the archive.
 */
import { CopyBuffer } from '@exchange/db';
import { commandCopyLine, eventCopyLines, type MarketBatchRecord } from './archive';
import type { MarketDataBuilder } from './market-data';
import type { Batch } from './output';
import type { EventRun } from './publisher';
import type { AppliedCommand, MarketState } from './shard';
import { takeSnapshot, type SnapshotPolicy } from './snapshots';

/** A market of the running shard. */
export interface MarketRuntime {
  state: MarketState;
  md: MarketDataBuilder;
  /** Last seq known archived. */
  committedSeq: number;
  open: MarketBatchBuilder;
}

export class MarketBatchBuilder {
  commands = 0;
  events = 0;
  readonly eventRows = new CopyBuffer();
  readonly commandRows = new CopyBuffer();
  /** The events' JSON for events:{market}, concatenated, with each one's byte length. */
  readonly bodies = new CopyBuffer();
  lengths: number[] = [];
  firstSeq = 0;
  /** engine:{market} entry ids to acknowledge once the batch is archived and published. */
  acks: string[] = [];
  /** Status after a halt or resume in this batch. */
  status: 'trading' | 'halted' | undefined;

  constructor(
    readonly market: string,
    private readonly md: MarketDataBuilder,
  ) {}

  add(c: AppliedCommand): void {
    this.commands++;
    this.commandRows.append(commandCopyLine(this.market, c));
    const n = c.events.length;
    if (n > 0) {
      this.events += n;
      this.eventRows.append(eventCopyLines(this.market, c));
      if (this.firstSeq === 0) this.firstSeq = c.firstSeq;
      for (let k = 0; k < n; k++) {
        const e = c.events[k]!;
        this.lengths.push(this.bodies.append(c.bodies[k]!));
        if (e.type === 'halted') this.status = 'halted';
        else if (e.type === 'resumed') this.status = 'trading';
      }
      this.md.add(c);
    }
  }

  /** Hands over the content and starts empty again. */
  take(): {
    commands: number;
    events: number;
    eventRows: Buffer;
    commandRows: Buffer;
    run: EventRun;
    acks: string[];
    status: 'trading' | 'halted' | undefined;
  } {
    const { commands, events, acks, status } = this;
    const eventRows = this.eventRows.take();
    const commandRows = this.commandRows.take();
    const run: EventRun = { firstSeq: this.firstSeq, lengths: this.lengths, bodies: this.bodies.take() };
    this.commands = this.events = this.firstSeq = 0;
    this.lengths = [];
    this.acks = [];
    this.status = undefined;
    return { commands, events, eventRows, commandRows, run, acks, status };
  }
}

/**
 * Closes every market's open batch into one shard batch: its archive records (with a snapshot when
 * one is due — `final`: whenever the book changed since the last one) and what to publish. The
 * books are exactly at the end of the batch here, so the snapshot and the market data match it.
 */
export function sealBatch(
  markets: Map<string, MarketRuntime>,
  snapshots: SnapshotPolicy,
  entries: number,
  final: boolean,
): Batch | null {
  const batch: Batch = {
    records: [],
    recordCounts: [],
    publish: [],
    commands: 0,
    events: 0,
    entries,
    sealedAt: performance.now(),
  };
  for (const [symbol, rt] of markets) {
    const { state } = rt;
    const hasCommands = rt.open.commands > 0;
    const snapshotDue = final
      ? snapshots.changed(symbol, state.seq, state.lastInputId)
      : hasCommands && snapshots.due(symbol, state.seq, state.lastInputId);
    if (!hasCommands && rt.open.acks.length === 0 && !snapshotDue) continue;
    const open = rt.open.take();
    if (hasCommands || snapshotDue) {
      const record: MarketBatchRecord = {
        market: symbol,
        eventRows: open.eventRows,
        commandRows: open.commandRows,
        lastSeq: state.seq,
        lastInputId: state.lastInputId,
        status: open.status,
      };
      if (snapshotDue) {
        record.snapshot = takeSnapshot(state.mb.book, state.lastInputId);
        snapshots.mark(symbol, state.seq, state.lastInputId);
      }
      batch.records.push(record);
      batch.recordCounts.push([open.commands, open.events]);
    }
    const { md, accounts } = hasCommands ? rt.md.finish(state.mb.book) : { md: [], accounts: [] };
    batch.publish.push({ market: symbol, events: open.run, md, accounts, ackIds: open.acks });
    batch.commands += open.commands;
    batch.events += open.events;
  }
  return batch.records.length > 0 || batch.publish.length > 0 ? batch : null;
}
