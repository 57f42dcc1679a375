/**
 * Binance stream names and requests (pure). Streams are `<symbol>@depth@100ms` (also `@depth` and
 * `@depth@1000ms`), `<symbol>@depth<5|10|20>[@100ms]`, `<symbol>@trade`, `<symbol>@kline_<interval>`, `<symbol>@ticker`,
 * `<symbol>@miniTicker` and `<symbol>@bookTicker`, the symbol in lower case; requests are
 * `{"method":"SUBSCRIBE"|"UNSUBSCRIBE"|"LIST_SUBSCRIPTIONS", "params":[...], "id":…}`.
 */
import { isCandleInterval, type CandleInterval } from '@exchange/market-data';

export type StreamSpec =
  | { kind: 'depth'; symbol: string; speedMs: 100 | 1000 }
  | { kind: 'partialDepth'; symbol: string; levels: 5 | 10 | 20; speedMs: 100 | 1000 }
  | { kind: 'trade'; symbol: string }
  | { kind: 'kline'; symbol: string; interval: CandleInterval }
  | { kind: 'ticker'; symbol: string }
  | { kind: 'miniTicker'; symbol: string }
  | { kind: 'bookTicker'; symbol: string };

const NAME =
  /^([a-z0-9]{2,20})@(depth(5|10|20)?(?:@(100|1000)ms)?|trade|ticker|miniTicker|bookTicker|kline_[0-9a-z]+)$/;

/** The spec of a stream name (its canonical name is `streamName(spec)`), or null. */
export function parseStream(name: string): StreamSpec | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const symbol = m[1]!.toUpperCase();
  const what = m[2]!;
  if (what === 'trade') return { kind: 'trade', symbol };
  if (what === 'ticker') return { kind: 'ticker', symbol };
  if (what === 'miniTicker' || what === 'bookTicker') return { kind: what, symbol };
  if (what.startsWith('depth')) {
    const speedMs = m[4] === '100' ? 100 : 1000;
    const levels = m[3] ? (Number(m[3]) as 5 | 10 | 20) : null;
    return levels ? { kind: 'partialDepth', symbol, levels, speedMs } : { kind: 'depth', symbol, speedMs };
  }
  const interval = what.slice('kline_'.length);
  return isCandleInterval(interval) ? { kind: 'kline', symbol, interval } : null;
}

export function streamName(s: StreamSpec): string {
  const sym = s.symbol.toLowerCase();
  switch (s.kind) {
    case 'depth':
      return s.speedMs === 100 ? `${sym}@depth@100ms` : `${sym}@depth`;
    case 'partialDepth':
      return `${sym}@depth${s.levels}${s.speedMs === 100 ? '@100ms' : ''}`;
    case 'kline':
      return `${sym}@kline_${s.interval}`;
    default:
      return `${sym}@${s.kind}`;
  }
}

/** The streams named by a connection URL: `/ws/<a>/<b>` (raw payloads) or `/stream?streams=<a>/<b>` (combined). */
export function streamsFromUrl(url: string): { combined: boolean; names: string[] } | null {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path === '/ws' || path.startsWith('/ws/')) {
    return { combined: false, names: path.slice(4).split('/').filter(Boolean) };
  }
  if (path === '/stream' || path === '/stream/') {
    const streams = new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('streams') ?? '';
    return { combined: true, names: streams.split('/').filter(Boolean) };
  }
  return null;
}

export type BinanceRequest =
  | { method: 'SUBSCRIBE' | 'UNSUBSCRIBE'; params: string[]; id: RequestId }
  | { method: 'LIST_SUBSCRIPTIONS'; id: RequestId };
export type RequestId = number | string | null;

/** Binance's error codes of the stream API: 2 invalid request, 3 invalid JSON. */
export type ParsedBinanceRequest =
  { ok: true; request: BinanceRequest } | { ok: false; id: RequestId; code: number; msg: string };

export function parseBinanceRequest(text: string): ParsedBinanceRequest {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, id: null, code: 3, msg: `Invalid JSON: ${(e as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return { ok: false, id: null, code: 2, msg: 'Invalid request: expected an object' };
  }
  const o = v as { method?: unknown; params?: unknown; id?: unknown };
  const id = o.id;
  const validId =
    id === undefined || id === null || typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id));
  if (!validId)
    return { ok: false, id: null, code: 2, msg: 'Invalid request: request ID must be an unsigned integer or a string' };
  const rid: RequestId = (id as RequestId | undefined) ?? null;
  if (o.method === 'LIST_SUBSCRIPTIONS') return { ok: true, request: { method: 'LIST_SUBSCRIPTIONS', id: rid } };
  if (o.method !== 'SUBSCRIBE' && o.method !== 'UNSUBSCRIBE') {
    return {
      ok: false,
      id: rid,
      code: 2,
      msg: 'Invalid request: unknown method (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS)',
    };
  }
  if (!Array.isArray(o.params) || !o.params.every((p) => typeof p === 'string')) {
    return { ok: false, id: rid, code: 2, msg: 'Invalid request: params must be an array of stream names' };
  }
  return { ok: true, request: { method: o.method, params: o.params as string[], id: rid } };
}

export function errorFrame(id: RequestId, code: number, msg: string): string {
  return JSON.stringify({ error: { code, msg }, id });
}
