/**
 * One market's live state: its book behind its units, the last input id applied (the dedupe key)
 * and the seq. Pure: an input in, the command's outcome (events and their archived JSON) out.
 */
import { MarketBook, type MarketConfig } from '@exchange/matching';
import type { BookEvent, BookSnapshot, CommandType } from '@exchange/orderbook';
import { parseCommand, type Command } from '@exchange/protocol';
import { decodeCommandText, encodeEvent, isAfter, parseStreamId, type StreamId } from './codec';

/** What one applied command produced; everything the archive and the publisher need. */
export interface AppliedCommand {
  input: StreamId;
  /** Exactly the text stored in engine_commands.command. */
  commandText: string;
  lockRejected: string | null;
  commandId: string;
  /** first = previous seq + 1, last = seq after; last < first when it produced no event. */
  firstSeq: number;
  lastSeq: number;
  events: BookEvent[];
  /** The EngineEvent JSON of each event, as archived and published. */
  bodies: string[];
}

/** The input id below every real stream id: a market with no history has applied "0-0". */
export const NO_INPUT = '0-0';

const COMMAND_TYPES = new Set<string>(['place', 'cancel', 'cancel_all', 'amend', 'halt', 'resume']);

export class MarketState {
  readonly symbol: string;
  readonly mb: MarketBook;
  private readonly marketJson: string;

  constructor(
    readonly config: MarketConfig,
    snapshot?: BookSnapshot,
    /** Last input id applied, as of the snapshot (or NO_INPUT). */
    public lastInputId: string = NO_INPUT,
  ) {
    this.symbol = config.symbol;
    this.mb = new MarketBook(config, snapshot);
    this.marketJson = JSON.stringify(config.symbol);
  }

  get seq(): number {
    return this.mb.book.seq;
  }

  /** Is this input id new (strictly above the last applied one)? */
  isNew(inputId: string): boolean {
    return isAfter(inputId, this.lastInputId);
  }

  /**
   * Applies one input from the stream. The caller has checked `isNew`. `raw` is the `c` field,
   * `lockRejected` the `r` field.
   */
  applyRaw(input: StreamId, raw: string | undefined, lockRejected: string | undefined): AppliedCommand {
    const { value, text } = decodeCommandText(raw);
    return this.applyValue(input, value, text, lockRejected ?? null);
  }

  /** Applies a decoded input; recovery calls this with the archived command text, parsed. */
  applyValue(input: StreamId, value: unknown, commandText: string, lockRejected: string | null): AppliedCommand {
    const firstSeq = this.seq + 1;
    let events: BookEvent[];
    let commandId: string;
    const parsed = parseCommand(value);
    if (!parsed.success || parsed.data.market !== this.symbol) {
      const subject = rejectSubject(value);
      commandId = subject.commandId ?? `input:${input.id}`;
      const field = parsed.success ? 'market' : fieldOf(parsed.error.issues[0]?.path);
      events = this.mb.book.rejectCommand(subject, 'INVALID_COMMAND', field);
    } else {
      const cmd: Command = parsed.data;
      commandId = cmd.commandId;
      events = this.mb.apply(cmd, (lockRejected ?? undefined) as Parameters<MarketBook['apply']>[1]);
    }
    this.lastInputId = input.id;
    const commandIdJson = JSON.stringify(commandId);
    const bodies = new Array<string>(events.length);
    for (let k = 0; k < events.length; k++) bodies[k] = encodeEvent(events[k]!, this.marketJson, commandIdJson);
    return { input, commandText, lockRejected, commandId, firstSeq, lastSeq: this.seq, events, bodies };
  }

  /** `stream id` → StreamId, or null for a malformed `i`. */
  static inputId(id: string | undefined): StreamId | null {
    return parseStreamId(id);
  }
}

function fieldOf(path: ReadonlyArray<PropertyKey> | undefined): string {
  const first = path?.[0];
  return typeof first === 'string' ? first : 'command';
}

/**
 * The identifying fields of an invalid command, kept only when well-typed, for its `rejected` event;
 * a place's terms go along as they are (the book keeps the well-typed ones, ADR 0006).
 */
function rejectSubject(value: unknown): {
  type: CommandType;
  ts: number;
  orderId?: number;
  accountId?: number;
  clientOrderId?: string;
  commandId?: string;
} & Record<'side' | 'orderType' | 'tif' | 'postOnly' | 'stp', unknown> {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const safeInt = (x: unknown): number | undefined =>
    Number.isSafeInteger(x) && (x as number) >= 0 ? (x as number) : undefined;
  const str = (x: unknown, max: number): string | undefined =>
    typeof x === 'string' && x.length > 0 && x.length <= max ? x : undefined;
  return {
    type: typeof v.type === 'string' && COMMAND_TYPES.has(v.type) ? (v.type as CommandType) : 'place',
    ts: safeInt(v.ts) ?? 0,
    orderId: safeInt(v.orderId),
    accountId: safeInt(v.accountId),
    clientOrderId: str(v.clientOrderId, 36),
    commandId: str(v.commandId, 64),
    side: v.side,
    orderType: v.orderType,
    tif: v.tif,
    postOnly: v.postOnly,
    stp: v.stp,
  };
}
