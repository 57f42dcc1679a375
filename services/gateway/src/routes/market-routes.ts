import { ApiError } from '../errors';
import { ok, route, type AnyRoute } from '../http/route';
import { toApiMarket } from '../markets/registry';
import { candleIntervals, candlesQuery, depthQuery, marketParams, tradesQuery } from '../api/schemas';
import type { GatewayServices } from './services';

export function marketRoutes(s: GatewayServices): AnyRoute[] {
  const market = async (symbol: string) => {
    const m = await s.markets.get(symbol);
    if (!m) throw new ApiError('UNKNOWN_MARKET', `unknown market ${symbol}`, { market: symbol });
    return m;
  };
  return [
    route({
      method: 'get',
      path: '/v1/markets',
      summary: 'All markets with their units, fees and status',
      tag: 'market data',
      scope: 'public',
      weight: 1,
      responses: { 200: 'Market[]' },
      handler: async () => {
        await s.markets.load();
        return ok(s.markets.all().map(toApiMarket));
      },
    }),
    route({
      method: 'get',
      path: '/v1/markets/:symbol/book',
      summary: 'L2 book, top `depth` levels per side, with lastUpdateId (the event seq it reflects)',
      tag: 'market data',
      scope: 'public',
      weight: 2,
      params: marketParams,
      query: depthQuery,
      responses: { 200: 'BookDepth' },
      handler: async ({ params, query }) => ok(await s.marketData.book(await market(params.symbol), query.depth)),
    }),
    route({
      method: 'get',
      path: '/v1/markets/:symbol/trades',
      summary: 'Recent public trades, newest first',
      tag: 'market data',
      scope: 'public',
      weight: 2,
      params: marketParams,
      query: tradesQuery,
      responses: { 200: 'PublicTrade[]' },
      handler: async ({ params, query }) => ok(await s.marketData.trades(await market(params.symbol), query.limit)),
    }),
    route({
      method: 'get',
      path: '/v1/markets/:symbol/ticker',
      summary: '24 h ticker: open, high, low, last, volumes, best bid and ask',
      tag: 'market data',
      scope: 'public',
      weight: 2,
      params: marketParams,
      responses: { 200: 'Ticker' },
      handler: async ({ params }) => ok(await s.marketData.ticker(await market(params.symbol))),
    }),
    route({
      method: 'get',
      path: '/v1/markets/:symbol/candles',
      summary: 'OHLCV candles from trades, oldest first',
      tag: 'market data',
      scope: 'public',
      weight: 4,
      params: marketParams,
      query: candlesQuery,
      responses: { 200: 'Candle[]' },
      handler: async ({ params, query }) =>
        ok(
          await s.marketData.candles(await market(params.symbol), {
            intervalMs: candleIntervals[query.interval],
            limit: query.limit,
            startTime: query.startTime,
            endTime: query.endTime,
          }),
        ),
    }),
  ];
}
