/** Public endpoints: ping, time, exchangeInfo, depth, trades, aggTrades, klines, ticker/24hr, ticker/price, ticker/bookTicker. */
import type { MarketEntry } from '../markets/registry';
import { BinanceError, MSG, err } from './errors';
import { exchangeInfo } from './exchange-info';
import { quoteMinor } from './format';
import { KLINE_INTERVALS } from './market-reads';
import type { Params } from './params';
import type { Endpoint, EndpointDeps } from './router';
import { formatAmount } from '@exchange/units';

/** Binance's depth weights by limit. */
export function depthWeight(limit: number): number {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

/** `symbols=["A","B"]` (JSON array) as Binance takes it. */
function symbolList(p: Params): string[] | undefined {
  const raw = p.str('symbols');
  if (raw === undefined) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    throw err.illegal('symbols', '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$');
  }
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) throw err.illegal('symbols', 'JSON array');
  return list as string[];
}

export function marketEndpoints(d: EndpointDeps): Endpoint[] {
  const market = async (symbol: string): Promise<MarketEntry> => {
    const m = await d.s.markets.get(symbol);
    if (!m) throw err.invalidSymbol();
    return m;
  };
  const markets = async (p: Params): Promise<MarketEntry[]> => {
    const one = p.str('symbol');
    const list = symbolList(p);
    if (one !== undefined && list !== undefined)
      throw new BinanceError(-1128, 'Combination of optional parameters invalid.');
    if (one !== undefined) return [await market(one)];
    if (list !== undefined) return Promise.all(list.map(market));
    await d.s.markets.load();
    return d.s.markets.all();
  };
  const limit = (p: Params, dflt: number, max: number) => p.int('limit', { min: 1, max }) ?? dflt;
  /** One read per market of `symbol`, `symbols` or all: an object for `symbol`, an array otherwise. */
  const perMarket = async <T>(p: Params, read: (m: MarketEntry) => Promise<T>): Promise<T | T[]> => {
    const results = await Promise.all((await markets(p)).map(read));
    return p.has('symbol') ? results[0]! : results;
  };

  return [
    { method: 'get', path: '/ping', scope: 'public', weight: 1, params: [], handler: async () => ({}) },
    {
      method: 'get',
      path: '/time',
      scope: 'public',
      weight: 1,
      params: [],
      handler: async () => ({ serverTime: Date.now() }),
    },
    {
      method: 'get',
      path: '/exchangeInfo',
      scope: 'public',
      weight: 20,
      params: ['symbol', 'symbols', 'permissions', 'showPermissionSets', 'symbolStatus'],
      handler: async ({ p }) => exchangeInfo(await markets(p), d.weightPerMinute),
    },
    {
      method: 'get',
      path: '/depth',
      scope: 'public',
      weight: (p) => depthWeight(Number(p.str('limit') ?? 100) || 100),
      params: ['symbol', 'limit'],
      handler: async ({ p }) => {
        const m = await market(p.need('symbol'));
        // one statement: the levels and lastUpdateId come from the same snapshot of the read model
        const book = await d.s.marketData.book(m, limit(p, 100, 5000));
        return { lastUpdateId: book.lastUpdateId, bids: book.bids, asks: book.asks };
      },
    },
    {
      method: 'get',
      path: '/trades',
      scope: 'public',
      weight: 25,
      params: ['symbol', 'limit'],
      handler: async ({ p }) => {
        const m = await market(p.need('symbol'));
        const trades = await d.s.marketData.trades(m, limit(p, 500, 1000));
        return trades.reverse().map((t) => ({
          id: t.tradeId,
          price: t.price,
          qty: t.qty,
          quoteQty: formatAmount(quoteMinor(m.units, t.price, t.qty), m.units.quote),
          time: t.ts,
          isBuyerMaker: t.side === 'sell',
          isBestMatch: true,
        }));
      },
    },
    {
      method: 'get',
      path: '/aggTrades',
      scope: 'public',
      weight: 4,
      params: ['symbol', 'fromId', 'startTime', 'endTime', 'limit'],
      handler: async ({ p }) => {
        const m = await market(p.need('symbol'));
        return d.reads.aggTrades(m, {
          fromId: p.int('fromId'),
          startTime: p.int('startTime'),
          endTime: p.int('endTime'),
          limit: limit(p, 500, 1000),
        });
      },
    },
    {
      method: 'get',
      path: '/klines',
      scope: 'public',
      weight: 2,
      params: ['symbol', 'interval', 'startTime', 'endTime', 'limit', 'timeZone'],
      handler: async ({ p }) => {
        const m = await market(p.need('symbol'));
        const interval = KLINE_INTERVALS[p.need('interval')];
        if (!interval) throw new BinanceError(-1120, MSG.invalidInterval);
        const tz = p.str('timeZone');
        if (tz !== undefined && tz !== '0' && tz !== '+00:00' && tz !== '0:00') throw err.illegal('timeZone', '0');
        return d.reads.klines(m, interval, {
          startTime: p.int('startTime'),
          endTime: p.int('endTime'),
          limit: limit(p, 500, 1000),
        });
      },
    },
    {
      method: 'get',
      path: '/ticker/24hr',
      scope: 'public',
      weight: (p) => (p.has('symbol') ? 2 : p.has('symbols') ? 40 : 80),
      params: ['symbol', 'symbols', 'type'],
      handler: async ({ p }) => {
        p.oneOf('type', ['FULL'] as const, -1130, 'Invalid data sent for a parameter.');
        return perMarket(p, (m) => d.reads.ticker24h(m));
      },
    },
    {
      method: 'get',
      path: '/ticker/price',
      scope: 'public',
      weight: (p) => (p.has('symbol') ? 2 : 4),
      params: ['symbol', 'symbols'],
      handler: ({ p }) => perMarket(p, (m) => d.reads.lastPrice(m)),
    },
    {
      method: 'get',
      path: '/ticker/bookTicker',
      scope: 'public',
      weight: (p) => (p.has('symbol') ? 2 : 4),
      params: ['symbol', 'symbols'],
      handler: ({ p }) => perMarket(p, (m) => d.reads.bookTicker(m)),
    },
  ];
}
