/** The trader's page: wires the market data feed, the charts, the order ticket and the account panel. */
import '../styles.css';
import type { FeedClient, FeedServerMessage, LocalBook, Market as ApiMarket } from '@exchange/client';
import { compileMarket, type Market } from '@exchange/units';
import { depthCurves } from '../core/depth';
import { describeError } from '../core/errors';
import { byId, fill, h, perFrame } from '../dom';
import { apiFor, errorBanner, loginBox, newFeed, publicApi, type Session } from '../session';
import { AccountPanel } from './account';
import { CandleChart } from './candles';
import { drawDepth } from './depth-chart';
import { renderLadder, renderSyncState } from './ladder';
import { Tape } from './tape';
import { TicketForm } from './ticket';

const BOOK_DEPTH = 50;
const CANDLE_INTERVAL = '1m';

const showError = errorBanner(byId('errors'));
let markets: ApiMarket[] = [];
let market: Market | null = null;
let book: LocalBook | null = null;
let session: Session | null = null;
let account: AccountPanel | null = null;
let ownPrices = new Set<string>();

const feed: FeedClient = newFeed();
const candles = new CandleChart(byId('candles'));
const tape = new Tape(byId('tape'));
const ticket = new TicketForm({
  market: () => market,
  api: () => (session ? apiFor(session) : null),
  showError,
  onPlaced: () => undefined,
});

const drawBook = perFrame(() => {
  renderSyncState(byId('sync-state'), book, feed.connected);
  if (!book) return;
  renderLadder(byId('ladder'), book, ownPrices, (p) => ticket.setPrice(p));
  drawDepth(byId<HTMLCanvasElement>('depth'), depthCurves(book.levels(BOOK_DEPTH)));
});

function toUnits(m: ApiMarket): Market {
  return compileMarket({
    symbol: m.symbol,
    base: { code: m.base, decimals: m.baseDecimals },
    quote: { code: m.quote, decimals: m.quoteDecimals },
    tickSize: m.tickSize,
    lotSize: m.lotSize,
    minQty: m.minQty,
    minNotional: m.minNotional,
  });
}

function selectMarket(symbol: string): void {
  const api = markets.find((m) => m.symbol === symbol);
  if (!api) return;
  if (market) {
    const old = market.symbol;
    feed.unsubscribe({ channel: 'book', market: old, depth: BOOK_DEPTH });
    feed.unsubscribe({ channel: 'trades', market: old });
    feed.unsubscribe({ channel: 'ticker', market: old });
    feed.unsubscribe({ channel: 'candles', market: old, interval: CANDLE_INTERVAL });
  }
  market = toUnits(api);
  location.hash = symbol;
  fill(
    byId('market-rules'),
    `tick ${api.tickSize} · lot ${api.lotSize} · min qty ${api.minQty} · min notional ${api.minNotional} ${api.quote}` +
      ` · fees maker ${api.makerFeeBps} / taker ${api.takerFeeBps} bps · ${api.status}`,
  );
  book = feed.book(symbol, BOOK_DEPTH);
  feed.subscribe({ channel: 'trades', market: symbol });
  feed.subscribe({ channel: 'ticker', market: symbol });
  feed.candles(symbol, CANDLE_INTERVAL);
  tape.reset([]);
  candles.set([]);
  renderTicker({ last: null, open: null, high: null, low: null, volume: undefined, bid: null, ask: null });
  ticket.check();
  void publicApi.trades(symbol, 40).then(
    (trades) => market?.symbol === symbol && tape.reset(trades),
    (err: unknown) => showError(describeError(err)),
  );
  loadTicker(symbol);
  void account?.reload();
  drawBook();
}

/** The 24 h figures come from REST (the feed's ticker carries last, bid and ask only); re-read after trades, at most once a second. */
let tickerTimer: ReturnType<typeof setTimeout> | null = null;
let tickerSymbol = '';
function loadTicker(symbol: string, delayMs = 0): void {
  if (tickerTimer && tickerSymbol === symbol) return;
  if (tickerTimer) clearTimeout(tickerTimer);
  tickerSymbol = symbol;
  tickerTimer = setTimeout(() => {
    tickerTimer = null;
    publicApi.ticker(symbol).then(
      (t) =>
        market?.symbol === symbol &&
        renderTicker({
          last: t.last,
          open: t.open,
          high: t.high,
          low: t.low,
          volume: t.volume,
          bid: t.bestBid,
          ask: t.bestAsk,
        }),
      (err: unknown) => showError(describeError(err)),
    );
  }, delayMs);
}

interface TickerView {
  last: string | null;
  open?: string | null;
  high?: string | null;
  low?: string | null;
  volume?: string;
  bid: string | null;
  ask: string | null;
}
let ticker: TickerView = { last: null, bid: null, ask: null };

function renderTicker(t: Partial<TickerView>): void {
  ticker = { ...ticker, ...t };
  const change =
    ticker.last && ticker.open ? ((Number(ticker.last) / Number(ticker.open) - 1) * 100).toFixed(2) + '%' : '—';
  const cell = (label: string, value: string | null | undefined, testid?: string) =>
    h('div', null, h('small', null, label), h('b', testid ? { 'data-testid': testid } : null, value ?? '—'));
  fill(
    byId('ticker'),
    cell('last', ticker.last, 'ticker-last'),
    cell('24h', change),
    cell('high', ticker.high),
    cell('low', ticker.low),
    cell('volume', ticker.volume, 'ticker-volume'),
    cell('bid', ticker.bid),
    cell('ask', ticker.ask),
  );
}

function onFeedMessage(m: FeedServerMessage): void {
  if (!market || !('market' in m) || m.market !== market.symbol) return;
  switch (m.type) {
    case 'trades':
      tape.add(m.trades);
      loadTicker(m.market, 1000);
      break;
    case 'ticker':
      renderTicker({ last: m.last, bid: m.bid?.[0] ?? null, ask: m.ask?.[0] ?? null });
      break;
    case 'candles':
      if (m.interval === CANDLE_INTERVAL) candles.set(m.candles);
      break;
    case 'candle':
      if (m.interval === CANDLE_INTERVAL) candles.update(m.candle);
      break;
    case 'status':
      fill(byId('market-status'), m.status === 'halted' ? 'HALTED' : '');
      break;
    default:
  }
}

function onSession(s: Session | null): void {
  account?.close();
  account = null;
  session = s;
  byId('account').hidden = !s;
  if (s)
    account = new AccountPanel(
      apiFor(s),
      newFeed(s),
      () => market,
      showError,
      (p) => ((ownPrices = p), drawBook()),
    );
}

async function boot(): Promise<void> {
  feed.on('book', drawBook);
  feed.on('resync', drawBook);
  feed.on('open', () => {
    fill(byId('feed-state'), h('span', { class: 'ok' }, `feed connected (${feed.connections})`));
    drawBook();
  });
  feed.on('close', () => {
    fill(
      byId('feed-state'),
      h('span', { class: 'bad', 'data-testid': 'feed-offline' }, 'feed offline · reconnecting…'),
    );
    drawBook();
  });
  feed.on('message', onFeedMessage);
  feed.on('error', (e) => showError({ code: e.code, text: e.message }));
  feed.connect();
  window.addEventListener('resize', drawBook);

  loginBox(byId('login'), onSession, showError);
  try {
    markets = await publicApi.markets();
  } catch (err) {
    showError(describeError(err));
    return;
  }
  const select = byId<HTMLSelectElement>('market-select');
  fill(select, ...markets.map((m) => h('option', { value: m.symbol }, `${m.base}/${m.quote}`)));
  select.addEventListener('change', () => selectMarket(select.value));
  const wanted = decodeURIComponent(location.hash.slice(1));
  select.value = markets.some((m) => m.symbol === wanted) ? wanted : (markets[0]?.symbol ?? '');
  selectMarket(select.value);
}

void boot();
