/**
 * The trader's page and the admin page in a real browser: Debian's chromium driven by
 * playwright-core, against the whole exchange as `./exchange start` runs it (the web service builds
 * and serves the pages and forwards /v1 and /ws). Screenshots of both pages go to docs/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExchangeClient } from '@exchange/client';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startExchange, type DemoKey, type RunningExchange } from '../support/exchange';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');
const MARKET = 'BTCUSDT';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) process.stderr.write(`${CHROMIUM} missing (./exchange test installs it): browser tests skipped\n`);
const describeBrowser = haveChromium ? describe : describe.skip;

jest.setTimeout(120_000);

let ex: RunningExchange;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Every URL a page asked for: all of them must be this exchange's own. */
const requested: string[] = [];

async function openPage(path: string, key?: DemoKey): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('request', (r) => requested.push(r.url()));
  page.on('websocket', (w) => requested.push(w.url()));
  page.on('pageerror', (err) => requested.push(`pageerror: ${err.message}`));
  await page.goto(ex.web + path);
  if (key) {
    await page.getByTestId('login-key').fill(key.keyId);
    await page.getByTestId('login-secret').fill(key.secret);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('whoami').waitFor();
  }
  return page;
}

/** Polls `get` until `ok` holds (or the time is up) and hands back the last value, for jest's expect to judge. */
async function until<T>(get: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await get();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await get();
  }
  return v;
}
const text = (l: Locator) => async () => ((await l.count()) ? ((await l.first().textContent()) ?? '') : '<absent>');
const attr = (l: Locator, name: string) => async () =>
  (await l.count()) ? await l.first().getAttribute(name) : '<absent>';
const count = (l: Locator) => () => l.count();

async function expectText(l: Locator, want: string | RegExp, timeoutMs?: number): Promise<void> {
  const match = (v: string) => (typeof want === 'string' ? v.includes(want) : want.test(v));
  expect(await until(text(l), match, timeoutMs)).toMatch(want);
}
async function expectAttr(l: Locator, name: string, want: string, timeoutMs?: number): Promise<void> {
  expect(await until(attr(l, name), (v) => v === want, timeoutMs)).toBe(want);
}
async function expectCount(l: Locator, want: number, timeoutMs?: number): Promise<void> {
  expect(await until(count(l), (v) => v === want, timeoutMs)).toBe(want);
}

const balance = (page: Page, asset: string, bucket: 'available' | 'locked') =>
  page.locator(`[data-testid=balance-row][data-asset=${asset}] [data-testid=balance-${bucket}]`);

async function placeLimit(page: Page, side: 'buy' | 'sell', price: string, qty: string): Promise<void> {
  await page.getByTestId(`side-${side}`).click();
  await page.getByTestId('ticket-type').selectOption('limit');
  await page.getByTestId('ticket-price').fill(price);
  await page.getByTestId('ticket-qty').fill(qty);
  await page.getByTestId('ticket-submit').click();
}

describeBrowser('web pages in chromium', () => {
  let alice: Page;
  let bob: Page;

  beforeAll(async () => {
    [ex, browser] = await Promise.all([
      // the engine snapshots its books every few events, so a verify replay has live hashes to compare
      startExchange({ env: { SNAPSHOT_EVERY_EVENTS: '5' } }),
      chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] }),
    ]);
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await ex?.stop();
  });

  test('log in, check a ticket against the market units, place a resting order: ladder and open orders show it', async () => {
    alice = await openPage(`/#${MARKET}`, ex.keys.alice);
    await expectAttr(alice.getByTestId('sync-state'), 'data-state', 'synced');
    await expectText(balance(alice, 'USDT', 'available'), /^1000000$/);

    // too many decimals and off the lot: refused in the page, with the API's codes, nothing sent
    await alice.getByTestId('ticket-price').fill('30000.001');
    await alice.getByTestId('ticket-qty').fill('0.000015');
    await expectAttr(alice.getByTestId('ticket-price-issue'), 'data-code', 'TOO_PRECISE');
    await expectAttr(alice.getByTestId('ticket-qty-issue'), 'data-code', 'TOO_PRECISE');
    await alice.getByTestId('ticket-submit').click();
    await expectCount(alice.getByTestId('ticket-status'), 0);

    await placeLimit(alice, 'buy', '30000', '0.01');
    await expectAttr(alice.getByTestId('ticket-status'), 'data-status', 'NEW');
    await expectText(alice.locator('[data-testid=ladder-bid][data-price="30000"]'), '0.01');
    await expectCount(alice.getByTestId('open-order'), 1);
    await expectText(alice.getByTestId('open-order'), '30000');
    expect(await until(text(balance(alice, 'USDT', 'locked')), (v) => v !== '0' && v !== '<absent>')).toMatch(/^[1-9]/);
  });

  test('a second account matches it: the trade in the tape, the fill, both balances change', async () => {
    bob = await openPage(`/#${MARKET}`, ex.keys.bob);
    await expectText(bob.locator('[data-testid=ladder-bid][data-price="30000"]'), '0.01');
    await placeLimit(bob, 'sell', '30000', '0.01');
    await expectAttr(bob.getByTestId('ticket-status'), 'data-status', 'FILLED');

    for (const page of [alice, bob]) {
      await expectText(page.getByTestId('tape-row').first(), '30000');
      await expectCount(page.getByTestId('fill-row'), 1);
      await expectCount(page.locator('[data-testid=ladder-bid][data-price="30000"]'), 0);
    }
    await expectText(alice.getByTestId('fill-row'), 'maker');
    await expectText(bob.getByTestId('fill-row'), 'taker');
    await expectCount(alice.getByTestId('open-order'), 0);
    await expectText(balance(alice, 'BTC', 'available'), /^10\.01$/);
    await expectText(balance(bob, 'BTC', 'available'), /^9\.99$/);
    await expectText(balance(alice, 'USDT', 'locked'), /^0$/);
    expect(await until(text(balance(bob, 'USDT', 'available')), (v) => v.startsWith('10002'))).toMatch(
      /^10002\d\d(\.\d+)?$/,
    );
    await expectText(alice.getByTestId('ticker-last'), /^30000$/);
  });

  test('amend an order, then cancel it', async () => {
    await placeLimit(alice, 'buy', '29000', '0.02');
    const row = alice.getByTestId('open-order');
    await expectText(row, '29000');
    await row.getByTestId('amend').click();
    await alice.getByTestId('amend-price').fill('29500');
    await alice.getByTestId('amend-save').click();
    await expectText(alice.locator('[data-testid=ladder-bid][data-price="29500"]'), '0.02');
    await expectCount(alice.locator('[data-testid=ladder-bid][data-price="29000"]'), 0);
    await expectText(row, '29500');

    await row.getByTestId('cancel').click();
    await expectCount(alice.getByTestId('open-order'), 0);
    await expectCount(alice.locator('[data-testid=ladder-bid][data-price="29500"]'), 0);
    await expectText(balance(alice, 'USDT', 'locked'), /^0$/);
  });

  test('the feed drops: the page reconnects and resyncs the book from a snapshot', async () => {
    await placeLimit(alice, 'sell', '31000', '0.5');
    await expectText(alice.locator('[data-testid=ladder-ask][data-price="31000"]'), '0.5');
    await ex.killService('ws-feed');
    expect(await until(attr(alice.getByTestId('sync-state'), 'data-state'), (v) => v !== 'synced', 10_000)).not.toBe(
      'synced',
    );
    await expectAttr(alice.getByTestId('sync-state'), 'data-state', 'synced', 60_000);
    await expectText(alice.locator('[data-testid=ladder-ask][data-price="31000"]'), '0.5');
    // the private channel came back too: a new order still shows up live
    await placeLimit(alice, 'buy', '29900', '0.01');
    await expectCount(alice.getByTestId('open-order'), 2);

    // a fuller book and a few trades from bob's bot, for the screenshot
    const bot = new ExchangeClient({ baseUrl: ex.rest }).withCredentials(ex.keys.bob.keyId, ex.keys.bob.secret);
    for (let i = 1; i <= 6; i++) {
      await bot.placeOrder({
        market: MARKET,
        side: 'buy',
        type: 'limit',
        price: String(29900 - 75 * i),
        qty: `0.0${i}`,
      });
      await bot.placeOrder({
        market: MARKET,
        side: 'sell',
        type: 'limit',
        price: String(31000 + 60 * i),
        qty: `0.${i}`,
      });
    }
    await bot.placeOrder({ market: MARKET, side: 'buy', type: 'limit', price: '31000', qty: '0.2', tif: 'IOC' });
    await bot.placeOrder({ market: MARKET, side: 'sell', type: 'limit', price: '29900', qty: '0.01', tif: 'IOC' });
    await expectCount(alice.getByTestId('fill-row'), 3);
    await expectCount(alice.getByTestId('ladder-bid'), 6);
    await expectText(alice.locator('[data-testid=ladder-ask][data-price="31000"]'), '0.3');
    // the feed's fills get their fees from the read model shortly after; the 24 h ticker follows the trades
    expect(await until(text(alice.getByTestId('fills')), (t) => !t.includes('…'))).not.toContain('…');
    await expectText(alice.getByTestId('ticker-volume'), /^0\.22$/);
    await alice.screenshot({ path: join(SHOTS, 'trader.png') });
  });

  test('charts drawn; another market from the selector; the key only in this tab; fits a laptop screen', async () => {
    // depth: our canvas, sized to its box; candles: lightweight-charts' canvases, after the trades
    // (page code as strings: this file is compiled without the DOM library)
    const depthDrawn =
      "(() => { const c = document.querySelector('canvas#depth'); return c.width > 0 && c.height > 0; })()";
    expect(await alice.evaluate<boolean>(depthDrawn)).toBe(true);
    expect(await until(count(alice.locator('#candles canvas')), (n) => n > 0)).toBeGreaterThan(0);

    const eth = (await new ExchangeClient({ baseUrl: ex.rest }).markets()).find((m) => m.symbol === 'ETHUSDT')!;
    await alice.getByTestId('market-select').selectOption('ETHUSDT');
    await expectText(
      alice.locator('#market-rules'),
      `tick ${eth.tickSize} · lot ${eth.lotSize} · min qty ${eth.minQty}`,
    );
    expect(await alice.evaluate<string>('location.hash')).toBe('#ETHUSDT');
    await expectAttr(alice.getByTestId('sync-state'), 'data-state', 'synced');
    await expectCount(alice.getByTestId('ladder-ask'), 0); // nothing rests in ETHUSDT
    await alice.getByTestId('market-select').selectOption(MARKET);
    await expectText(alice.locator('[data-testid=ladder-ask][data-price="31000"]'), '0.3');

    const stored = await alice.evaluate<{ session: number; local: number; cookie: string }>(
      '({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie })',
    );
    expect(stored).toEqual({ session: 1, local: 0, cookie: '' });
    expect(await alice.context().cookies()).toEqual([]);
    // another tab of the same browser profile shares local storage and cookies, not the session: logged out
    const tab = await alice.context().newPage();
    await tab.goto(`${ex.web}/#${MARKET}`);
    await tab.getByTestId('login-key').waitFor();
    expect(await tab.getByTestId('whoami').count()).toBe(0);
    await tab.close();

    const laptop = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    contexts.push(laptop);
    const small = await laptop.newPage();
    small.on('request', (r) => requested.push(r.url()));
    await small.goto(`${ex.web}/#${MARKET}`);
    await expectAttr(small.getByTestId('sync-state'), 'data-state', 'synced');
    const fits = await small.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
    expect(fits).toBe(true);
  });

  test('admin page: a verify replay finishes with matching hashes; audit log and conservation per asset', async () => {
    const admin = await openPage('/admin', ex.keys.admin);
    await expectAttr(admin.locator('[data-testid=conservation-row][data-asset=USDT]'), 'data-ok', 'true');
    await expectAttr(admin.locator('[data-testid=conservation-row][data-asset=BTC]'), 'data-ok', 'true');

    await admin.getByTestId('replay-mode').selectOption('verify');
    await admin.getByTestId('replay-start').click();
    const verdict = admin.getByTestId('replay-verdict');
    await expectAttr(verdict, 'data-state', 'completed', 60_000);
    await expectAttr(verdict, 'data-verdict', 'match');
    const rows = admin.getByTestId('replay-result-row');
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    await expectCount(admin.locator('[data-testid=replay-result-row][data-match=false]'), 0);
    // the traded market's book was compared with a live engine snapshot, not only its events
    await expectAttr(admin.locator(`[data-testid=replay-result-row][data-what=${MARKET}]`), 'data-live', 'hash');
    await expectAttr(admin.getByTestId('replay-progress'), 'data-percent', '100');

    await admin.locator('#audit-refresh').click();
    expect(await until(count(admin.getByTestId('audit-row')), (n) => n > 0)).toBeGreaterThan(0);
    await admin.screenshot({ path: join(SHOTS, 'admin.png'), fullPage: true });
  });

  test('the pages loaded nothing from anywhere else', () => {
    const own = [ex.web, ex.web.replace('http://', 'ws://')];
    const foreign = requested.filter((u) => !own.some((o) => u.startsWith(o)) && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    expect(requested.length).toBeGreaterThan(10);
  });
});
