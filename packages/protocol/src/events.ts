import type { BookEvent } from '@exchange/orderbook';

/**
 * The event log's unit: a book event plus where it came from. `seq` (inside the book event) is
 * gapless per market; (market, seq) is unique in the archive and is the Redis stream entry id
 * `${seq}-1`, which makes a re-publish after a crash a harmless no-op.
 */
export type EngineEvent = BookEvent & {
  market: string;
  /** The command that caused it. */
  commandId: string;
};

export type EngineEventOf<T extends BookEvent['type']> = Extract<BookEvent, { type: T }> & {
  market: string;
  commandId: string;
};
