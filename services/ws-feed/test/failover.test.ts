import { FeedClient, type LocalBook } from '@exchange/client';
import WebSocket from 'ws';
import { spawnFeed, stopFeed, type ChildFeed } from './support/child-feed';
import {
  createHarness,
  createMarket,
  engineBatch,
  eventually,
  feedEnv,
  Workload,
  type Harness,
} from './support/harness';

let h: Harness;
const children: ChildFeed[] = [];
const clients: FeedClient[] = [];
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const c of children) await stopFeed(c, 'SIGKILL');
  await h.close();
});

describe('failover between feed processes', () => {
  it('clients of a SIGKILLed node reconnect to the other and resync to the engine book', async () => {
    const sim = await createMarket(h, 'FO');
    const w = new Workload(sim.symbol, 77);
    for (let b = 0; b < 20; b++) await engineBatch(h, sim, w, 10, { snapshot: b === 10 });
    const env = feedEnv(h, { OPS_PORT: '0', PING_INTERVAL_MS: '1000' });
    const [a, b] = await Promise.all([spawnFeed({ ...env, NODE_ID: 'a' }), spawnFeed({ ...env, NODE_ID: 'b' })]);
    children.push(a, b);

    const books: Array<{ client: FeedClient; book: LocalBook; depth: number }> = [];
    for (let k = 0; k < 6; k++) {
      const client = new FeedClient({
        url: k % 2 === 0 ? [a.url, b.url] : [b.url, a.url],
        WebSocket,
        reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
        pingIntervalMs: 0,
      });
      const depth = k < 3 ? 0 : 10;
      books.push({ client, book: client.book(sim.symbol, depth), depth });
      client.connect();
      clients.push(client);
    }
    await eventually(() => books.every((x) => x.book.synced), 10_000, 'every book synced');

    // The engine keeps trading while a node dies.
    let trading = true;
    const driver = (async () => {
      while (trading) {
        await engineBatch(h, sim, w, 1 + Math.floor(Math.random() * 8));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    a.proc.kill('SIGKILL');
    const onA = books.filter((x) => x.client.url === a.url);
    expect(onA.length).toBe(3);
    await eventually(
      () => onA.every((x) => x.client.connections === 2 && x.client.url === b.url && x.book.synced),
      10_000,
      'reconnect to b',
    );
    await new Promise((r) => setTimeout(r, 300));
    trading = false;
    await driver;

    const same = (x: { book: LocalBook; depth: number }) =>
      JSON.stringify(x.book.levels()) === JSON.stringify(sim.l2(x.depth === 0 ? Infinity : x.depth));
    await eventually(() => books.every(same), 10_000, 'every book equal to the engine book');
    for (const x of books) expect(x.book.levels()).toEqual(sim.l2(x.depth === 0 ? Infinity : x.depth));
    for (const x of onA) expect(x.book.snapshots).toBe(2);
    for (const x of books) expect(x.book.resyncs).toBe(0);
  });
});
