import { keys } from '@exchange/protocol';
import WebSocket from 'ws';
import type { WsFeed } from '../src';
import {
  createHarness,
  createMarket,
  eventually,
  startFeed,
  TestSocket,
  type EngineSim,
  type Harness,
} from './support/harness';

let h: Harness;
let feed: WsFeed;
let sim: EngineSim;
beforeAll(async () => {
  h = await createHarness();
  sim = await createMarket(h, 'PR');
  feed = await startFeed(h, {
    MAX_BUFFERED_BYTES: '262144',
    SLOW_CLOSE_GRACE_MS: '5000',
    MAX_SUBSCRIPTIONS: '3',
  });
});
afterAll(async () => {
  await feed.close();
  await h.close();
});

/** A ticker message padded to ~`bytes` (the node forwards tickers as published). */
const bigTicker = (symbol: string, n: number, bytes: number) =>
  JSON.stringify({
    type: 'ticker',
    market: symbol,
    seq: n,
    last: null,
    bid: null,
    ask: null,
    ts: n,
    pad: 'x'.repeat(bytes),
  });

describe('protection', () => {
  it('drops a slow consumer with 4008 without hurting the others', async () => {
    const fast = await TestSocket.open(feed.port);
    const slow = await TestSocket.open(feed.port);
    for (const s of [fast, slow]) s.send({ op: 'subscribe', id: 1, channel: 'ticker', market: sim.symbol });
    await fast.until(() => fast.find('subscribed'));
    await slow.until(() => slow.find('subscribed'));
    // The slow client stops reading: its kernel buffers fill, then the server's send buffer grows.
    // (ws itself resumes its socket after draining its parser, so resume is disabled while paused.)
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    const resume = socket.resume.bind(socket);
    socket.resume = () => undefined;
    socket.pause();
    // Publish until the server gives up on it (loopback buffers autotune up to tens of MB).
    let N = 0;
    while (feed.metrics.drops.slow_consumer === 0 && N < 3000) {
      for (let k = 0; k < 50; k++)
        await h.redis.publish(keys.marketDataChannel(sim.symbol), bigTicker(sim.symbol, ++N, 60_000));
      await fast.until(() => fast.of('ticker').length === N, 15_000, 'the fast client to keep up');
    }
    expect(fast.of('ticker').map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, k) => k + 1));
    expect(feed.metrics.drops.slow_consumer).toBe(1);
    socket.resume = resume;
    resume();
    await slow.until(() => slow.closeCode !== null, 10_000, 'the slow client to see the close');
    expect(slow.closeCode).toBe(4008);
    await eventually(() => feed.server.connections.size === 1, 2000, 'the slow connection to be gone');
    expect(slow.of('ticker').length).toBeLessThan(N);
    expect(fast.closeCode).toBeNull();
    fast.close();
  });

  it('terminates a client that stops answering pings, keeps one that answers', async () => {
    const beating = await startFeed(h, { PING_INTERVAL_MS: '150' });
    try {
      const dead = await TestSocket.open(beating.port, { autoPong: false });
      const alive = await TestSocket.open(beating.port);
      await dead.until(() => dead.closeCode !== null, 3000, 'heartbeat termination');
      expect(dead.closeCode).toBe(1006);
      expect(beating.metrics.drops.heartbeat).toBe(1);
      await new Promise((r) => setTimeout(r, 400));
      expect(alive.closeCode).toBeNull();
      alive.close();
    } finally {
      await beating.close();
    }
  });

  it('closes on an oversized frame (1009) and on an inbound flood (4029)', async () => {
    const big = await TestSocket.open(feed.port);
    big.ws.send(JSON.stringify({ op: 'ping', pad: 'x'.repeat(20_000) }));
    await big.until(() => big.closeCode !== null);
    expect(big.closeCode).toBe(1009);
    const flood = await TestSocket.open(feed.port);
    for (let k = 0; k < 60; k++) flood.send({ op: 'ping', id: k });
    await flood.until(() => flood.closeCode !== null);
    expect(flood.closeCode).toBe(4029);
    // Requests admitted before the close may or may not be answered; the 41st (burst 40) never is.
    expect(flood.of('pong').length).toBeLessThanOrEqual(40);
    expect(feed.metrics.drops.rate_limited).toBe(1);
  });

  it('answers bad requests, unknown markets and too many subscriptions with errors; never negotiates deflate', async () => {
    const s = await TestSocket.open(feed.port, { perMessageDeflate: true });
    expect(s.ws.extensions).toBe('');
    s.ws.send('not json');
    s.send({ op: 'subscribe', id: 'd', channel: 'book', market: sim.symbol, depth: 7 });
    s.send({ op: 'subscribe', id: 'u', channel: 'book', market: 'NOSUCHMARKET' });
    s.ws.send(Buffer.from('{}'), { binary: true });
    for (const ch of ['book', 'trades', 'ticker', 'candles']) {
      s.send({
        op: 'subscribe',
        id: ch,
        channel: ch,
        market: sim.symbol,
        ...(ch === 'candles' ? { interval: '1m' } : {}),
      });
    }
    await s.until(() => s.find('error', (m) => m.id === 'candles'));
    const errors = s.of('error');
    expect(errors.map((e) => [e.id ?? null, e.code])).toEqual([
      [null, 'BAD_REQUEST'],
      ['d', 'BAD_REQUEST'],
      ['u', 'UNKNOWN_MARKET'],
      [null, 'BAD_REQUEST'],
      ['candles', 'TOO_MANY_SUBSCRIPTIONS'],
    ]);
    // The book subscription got its (empty) snapshot at the market's seq.
    expect(s.find('snapshot')).toMatchObject({ market: sim.symbol, lastUpdateId: 0, bids: [], asks: [], limit: 0 });
    // Re-subscribing replaces the subscription (no limit hit) and re-sends the snapshot.
    s.send({ op: 'subscribe', id: 'again', channel: 'book', market: sim.symbol, depth: 10 });
    await s.until(() => s.of('snapshot').length === 2);
    expect(s.of('snapshot')[1]!.limit).toBe(10);
    s.close();
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const base = `http://127.0.0.1:${feed.ops!.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/ws_feed_clients\{[^}]*\} \d+/);
    expect(text).toMatch(/ws_feed_messages_sent_total\{[^}]*\} [1-9]\d*/);
    expect(text).toMatch(/ws_feed_drops_total\{reason="slow_consumer"[^}]*\} 1/);
  });

  it('refuses upgrades past MAX_CLIENTS with 503', async () => {
    const small = await startFeed(h, { MAX_CLIENTS: '1', OPS_PORT: '0' });
    try {
      const one = await TestSocket.open(small.port);
      const refused = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${small.port}`);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
      expect(refused).toBe(503);
      one.close();
    } finally {
      await small.close();
    }
  });
});
