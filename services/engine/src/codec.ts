/**
 * Pure encoding and decoding at the engine's edges: stream entry fields in, the stored command text,
 * event JSON out. Recovery runs the same functions on the archived text, so live and replayed
 * processing cannot diverge.
 */
import type { BookEvent } from '@exchange/orderbook';
import { compareStreamIds } from '@exchange/protocol';

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

/** A Redis stream id split into its parts (decimal strings, for the archive's bigint columns). */
export interface StreamId {
  id: string;
  ms: string;
  n: string;
}

export function parseStreamId(id: unknown): StreamId | null {
  if (typeof id !== 'string') return null;
  const m = STREAM_ID.exec(id);
  return m ? { id, ms: m[1]!, n: m[2]! } : null;
}

/** a > b for stream ids; numbers when both parts are short enough to be exact, else bigints. */
export function isAfter(a: string, b: string): boolean {
  if (a.length <= 31 && b.length <= 31) {
    const ia = a.indexOf('-');
    const ib = b.indexOf('-');
    if (ia > 0 && ia <= 15 && ib > 0 && ib <= 15 && a.length - ia <= 16 && b.length - ib <= 16) {
      const am = +a.slice(0, ia);
      const bm = +b.slice(0, ib);
      if (am !== bm) return am > bm;
      return +a.slice(ia + 1) > +b.slice(ib + 1);
    }
  }
  return compareStreamIds(a, b) > 0;
}

/** One entry of engine:{market} as the lock stage writes it: `i` input id, `c` command JSON, `r` lock refusal. */
export interface EngineEntry {
  /** The entry's own id in engine:{market} (what gets acked). */
  entryId: string;
  inputId: string | undefined;
  command: string | undefined;
  lockRejected: string | undefined;
}

/** Fields arrive from ioredis as a flat [k1, v1, k2, v2, …] array (null when the entry was deleted). */
export function readEntry(entryId: string, fields: string[] | null): EngineEntry {
  let inputId: string | undefined;
  let command: string | undefined;
  let lockRejected: string | undefined;
  if (fields) {
    for (let k = 0; k + 1 < fields.length; k += 2) {
      const name = fields[k];
      if (name === 'i') inputId = fields[k + 1];
      else if (name === 'c') command = fields[k + 1];
      else if (name === 'r') lockRejected = fields[k + 1];
    }
  }
  return { entryId, inputId, command, lockRejected };
}

/**
 * The command as a JSON value plus the exact text the archive stores for it, such that
 * `JSON.parse(text)` gives the value back: the raw `c` when it is JSON, otherwise `c` as a JSON
 * string (so a malformed command still has a stored, replayable outcome).
 */
export function decodeCommandText(raw: string | undefined): { value: unknown; text: string } {
  if (raw === undefined) return { value: null, text: 'null' };
  try {
    return { value: JSON.parse(raw) as unknown, text: raw };
  } catch {
    return { value: raw, text: JSON.stringify(raw) };
  }
}

/** A JSON string literal. */
export const q = (s: string): string => JSON.stringify(s);
/** `,"name":value` for a defined number, '' otherwise. */
export const optNum = (name: string, v: number | undefined): string => (v === undefined ? '' : `,"${name}":${v}`);
/** `,"name":"value"` for a defined string, '' otherwise. */
export const optStr = (name: string, v: string | undefined): string => (v === undefined ? '' : `,"${name}":${q(v)}`);
/** `,"name":true|false` for a defined boolean, '' otherwise. */
export const optBool = (name: string, v: boolean | undefined): string => (v === undefined ? '' : `,"${name}":${v}`);

/**
 * The archived and published form of an event: the EngineEvent `{...bookEvent, market, commandId}`
 * as JSON — what `JSON.stringify` gives, keys in the book's order, `undefined` fields left out —
 * written directly because it runs for every event (a test checks it against JSON.stringify for
 * every event type). `marketJson` and `commandIdJson` are JSON strings. Enum values the book
 * validated (side, order type, tif, stp, reasons of its own) are written as they are.
 */
export function encodeEvent(e: BookEvent, marketJson: string, commandIdJson: string): string {
  const head = `{"type":"${e.type}","seq":${e.seq},"ts":${e.ts}`;
  const tail = `,"market":${marketJson},"commandId":${commandIdJson}}`;
  switch (e.type) {
    case 'level':
      return `${head},"side":"${e.side}","price":${e.price},"qty":${e.qty},"count":${e.count}${tail}`;
    case 'accepted':
      return (
        `${head},"orderId":${e.orderId},"accountId":${e.accountId}${optStr('clientOrderId', e.clientOrderId)}` +
        `,"side":"${e.side}","orderType":"${e.orderType}"${optNum('price', e.price)}${optNum('qty', e.qty)}` +
        `${optNum('quoteQty', e.quoteQty)}${optNum('stopPrice', e.stopPrice)},"tif":"${e.tif}","postOnly":${e.postOnly}` +
        `${optNum('displayQty', e.displayQty)},"stp":"${e.stp}"${tail}`
      );
    case 'trade':
      return (
        `${head},"tradeId":${e.tradeId},"price":${e.price},"qty":${e.qty},"aggressor":"${e.aggressor}"` +
        `,"makerOrderId":${e.makerOrderId},"makerAccountId":${e.makerAccountId}` +
        `,"takerOrderId":${e.takerOrderId},"takerAccountId":${e.takerAccountId}${tail}`
      );
    case 'done':
      return `${head},"orderId":${e.orderId},"accountId":${e.accountId},"reason":"${e.reason}","filled":${e.filled}${tail}`;
    case 'canceled':
      return (
        `${head},"orderId":${e.orderId},"accountId":${e.accountId},"qty":${e.qty}${optNum('quoteQty', e.quoteQty)}` +
        `,"reason":"${e.reason}"${tail}`
      );
    case 'rejected':
      return (
        `${head},"command":${q(e.command)},"reason":${q(e.reason)}${optStr('field', e.field)}` +
        `${optNum('orderId', e.orderId)}${optNum('accountId', e.accountId)}${optStr('clientOrderId', e.clientOrderId)}` +
        `${optStr('side', e.side)}${optStr('orderType', e.orderType)}${optStr('tif', e.tif)}` +
        `${optBool('postOnly', e.postOnly)}${optStr('stp', e.stp)}${tail}`
      );
    case 'amended':
      return (
        `${head},"orderId":${e.orderId},"accountId":${e.accountId},"price":${e.price},"qty":${e.qty}` +
        `,"remaining":${e.remaining},"keptPriority":${e.keptPriority}${tail}`
      );
    case 'triggered':
      return `${head},"orderId":${e.orderId},"accountId":${e.accountId},"stopPrice":${e.stopPrice},"lastPrice":${e.lastPrice}${tail}`;
    case 'halted':
    case 'resumed':
      return `${head}${tail}`;
    default:
      return encodeGeneric(e, marketJson, commandIdJson);
  }
}

/** The definition encodeEvent follows: JSON.stringify of the EngineEvent. */
export function encodeGeneric(event: BookEvent, marketJson: string, commandIdJson: string): string {
  const json = JSON.stringify(event);
  return `${json.slice(0, -1)},"market":${marketJson},"commandId":${commandIdJson}}`;
}
