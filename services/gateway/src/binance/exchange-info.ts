/**
 * GET /api/v3/exchangeInfo from our market config: PRICE_FILTER (tick size), LOT_SIZE and
 * MARKET_LOT_SIZE (lot size, minimum quantity), NOTIONAL and MIN_NOTIONAL (minimum notional),
 * MAX_NUM_ORDERS (the book's open-order cap per account, when the market has one). The
 * maxima are what the book can represent (2^53 − 1 ticks or lots); there is no maximum notional.
 */
import { MAX_BOOK_UNITS } from '@exchange/units';
import type { MarketEntry } from '../markets/registry';
import { STP_BY_BINANCE } from './format';

export function symbolInfo(m: MarketEntry) {
  const c = m.config;
  const u = m.units;
  const lot = { minQty: c.minQty, maxQty: u.formatQty(MAX_BOOK_UNITS), stepSize: c.lotSize };
  return {
    symbol: c.symbol,
    status: m.status === 'trading' ? 'TRADING' : 'HALT',
    baseAsset: c.base.code,
    baseAssetPrecision: c.base.decimals,
    quoteAsset: c.quote.code,
    quotePrecision: c.quote.decimals,
    quoteAssetPrecision: c.quote.decimals,
    baseCommissionPrecision: c.base.decimals,
    quoteCommissionPrecision: c.quote.decimals,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'],
    icebergAllowed: true,
    ocoAllowed: false,
    otoAllowed: false,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: false,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: c.tickSize,
        maxPrice: u.formatPrice(MAX_BOOK_UNITS),
        tickSize: c.tickSize,
      },
      { filterType: 'LOT_SIZE', ...lot },
      { filterType: 'MARKET_LOT_SIZE', ...lot },
      { filterType: 'MIN_NOTIONAL', minNotional: c.minNotional, applyToMarket: true, avgPriceMins: 0 },
      {
        filterType: 'NOTIONAL',
        minNotional: c.minNotional,
        applyMinToMarket: true,
        applyMaxToMarket: false,
        avgPriceMins: 0,
      },
      ...(c.maxOpenOrdersPerAccount !== undefined
        ? [{ filterType: 'MAX_NUM_ORDERS', maxNumOrders: c.maxOpenOrdersPerAccount }]
        : []),
    ],
    permissions: ['SPOT'],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: Object.keys(STP_BY_BINANCE),
  };
}

export function exchangeInfo(markets: MarketEntry[], weightPerMinute: number, now = Date.now()) {
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightPerMinute }],
    exchangeFilters: [],
    symbols: markets.map(symbolInfo),
  };
}
