import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { canonicalString, FeedClient, type FeedServerMessage } from '@exchange/client';
import { ApiKeyStore } from '@exchange/gateway/src/auth/api-keys';
import { WS_AUTH_TARGET } from '@exchange/market-data';
import type { AccountBalancesMessage, AccountOrdersMessage } from '@exchange/protocol';
import { keys } from '@exchange/protocol';
import WebSocket from 'ws';
import type { WsFeed } from '../src';
import { createHarness, eventually, MASTER_KEY, startFeed, TestSocket, type Harness } from './support/harness';

let h: Harness;
let feed: WsFeed;
let store: ApiKeyStore;
// Account ids no other test publishes to.
const A = 900_000_000 + randomInt(1_000_000);
const B = A + 1;
let keyA: { keyId: string; secret: string };
let keyB: { keyId: string; secret: string };

beforeAll(async () => {
  h = await createHarness();
  store = new ApiKeyStore(h.db.pool, MASTER_KEY, 0);
  keyA = await store.create(A);
  keyB = await store.create(B);
  feed = await startFeed(h);
});
afterAll(async () => {
  await feed.close();
  await h.close();
});

function authRequest(
  key: { keyId: string; secret: string },
  over: Partial<{ timestamp: number; nonce: string; secret: string }> = {},
) {
  const timestamp = over.timestamp ?? Date.now();
  const nonce = over.nonce ?? randomBytes(16).toString('hex');
  const signature = createHmac('sha256', over.secret ?? key.secret)
    .update(canonicalString({ timestamp, nonce, method: 'GET', target: WS_AUTH_TARGET, body: '' }))
    .digest('hex');
  return { op: 'auth', id: 'a', apiKey: key.keyId, timestamp, nonce, signature };
}

const orders = (accountId: number, orderId: number, market = 'BTCUSDT'): AccountOrdersMessage => ({
  type: 'orders',
  market,
  accountId,
  updates: [{ kind: 'done', seq: orderId, ts: 1, commandId: `c${orderId}`, orderId, reason: 'canceled', filled: '0' }],
});
const balances = (accountId: number): AccountBalancesMessage => ({
  type: 'balances',
  accountId,
  balances: [{ asset: 'USDT', available: '10', locked: '0' }],
  cause: 'settlement',
  market: 'BTCUSDT',
  seq: 1,
});

describe('the private channel', () => {
  it('refuses a private subscribe without authentication, and bad credentials', async () => {
    const s = await TestSocket.open(feed.port);
    s.send({ op: 'subscribe', id: 1, channel: 'private' });
    const refused = await s.until(() => s.find('error', (m) => m.id === 1));
    expect(refused.code).toBe('UNAUTHENTICATED');
    s.send({ ...authRequest(keyA, { secret: 'wrong' }), id: 2 });
    s.send({ ...authRequest({ keyId: 'ak_doesnotexist0000000', secret: 'x' }), id: 3 });
    s.send({ ...authRequest(keyA, { timestamp: Date.now() - 60_000 }), id: 4 });
    const nonce = randomBytes(16).toString('hex');
    s.send({ ...authRequest(keyA, { nonce }), id: 5 });
    await s.until(() => s.find('authenticated'));
    const again = await TestSocket.open(feed.port);
    again.send({ ...authRequest(keyA, { nonce }), id: 6 });
    const replay = await again.until(() => again.find('error', (m) => m.id === 6));
    expect(replay).toMatchObject({ code: 'AUTH_FAILED', message: 'nonce already used' });
    for (const id of [2, 3, 4]) expect(s.find('error', (m) => m.id === id)?.code).toBe('AUTH_FAILED');
    expect(s.find('subscribed')).toBeUndefined();
    s.close();
    again.close();
  });

  it("delivers each account's updates to that account only", async () => {
    const sdk = new FeedClient({
      url: `ws://127.0.0.1:${feed.port}`,
      WebSocket,
      credentials: { apiKey: keyA.keyId, apiSecret: keyA.secret },
      pingIntervalMs: 0,
    });
    const seenA: FeedServerMessage[] = [];
    sdk.on('message', (m) => seenA.push(m));
    sdk.subscribe({ channel: 'private' });
    sdk.connect();
    const b = await TestSocket.open(feed.port);
    b.send(authRequest(keyB));
    b.send({ op: 'subscribe', id: 'p', channel: 'private' });
    await b.until(() => b.find('subscribed'));
    await eventually(() => seenA.some((m) => m.type === 'subscribed'), 5000, 'A subscribed');
    expect(seenA.find((m) => m.type === 'authenticated')).toMatchObject({ accountId: A });

    for (let k = 1; k <= 5; k++) {
      await h.redis.publish(keys.accountChannel(A), JSON.stringify(orders(A, k)));
      await h.redis.publish(keys.accountChannel(B), JSON.stringify(orders(B, 100 + k)));
    }
    await h.redis.publish(keys.accountChannel(A), JSON.stringify(balances(A)));
    await h.redis.publish(keys.accountChannel(B), JSON.stringify(balances(B)));
    await eventually(() => seenA.some((m) => m.type === 'balances'), 5000, 'A balances');
    await b.until(() => b.find('balances'));
    const mine = (list: FeedServerMessage[]) =>
      list.filter(
        (m): m is AccountOrdersMessage | AccountBalancesMessage => m.type === 'orders' || m.type === 'balances',
      );
    expect(mine(seenA).map((m) => m.accountId)).toEqual([A, A, A, A, A, A]);
    expect(mine(seenA)[0]).toEqual(orders(A, 1));
    expect(mine(b.messages).map((m) => m.accountId)).toEqual([B, B, B, B, B, B]);

    // After unsubscribing nothing more arrives.
    b.send({ op: 'unsubscribe', id: 'u', channel: 'private' });
    await b.until(() => b.find('unsubscribed'));
    await h.redis.publish(keys.accountChannel(B), JSON.stringify(balances(B)));
    await h.redis.publish(keys.accountChannel(A), JSON.stringify(orders(A, 99)));
    await eventually(() => mine(seenA).length === 7, 5000, 'A 7th message');
    expect(mine(b.messages)).toHaveLength(6);
    sdk.close();
    b.close();
  });

  it('forwards an order update published again only once; balances and other markets pass', async () => {
    const a = await TestSocket.open(feed.port);
    a.send(authRequest(keyB));
    a.send({ op: 'subscribe', id: 'p', channel: 'private' });
    await a.until(() => a.find('subscribed'));
    const repeatsBefore = (await feed.metrics.privateRepeats.get()).values[0]?.value ?? 0;
    // what a publisher's re-send after a lost reply looks like: the same message twice, or late
    const sent = [
      orders(B, 201),
      orders(B, 201),
      orders(B, 202),
      orders(B, 201),
      orders(B, 7, 'ETHUSDT'), // another market has seqs of its own
      orders(B, 7, 'ETHUSDT'),
      balances(B),
      balances(B),
      orders(B, 203),
    ];
    for (const m of sent) await h.redis.publish(keys.accountChannel(B), JSON.stringify(m));
    await a.until(() => a.find('orders', (m) => m.updates[0]?.seq === 203));
    const got = a.messages.filter((m) => m.type === 'orders' || m.type === 'balances');
    expect(got).toEqual([
      orders(B, 201),
      orders(B, 202),
      orders(B, 7, 'ETHUSDT'),
      balances(B),
      balances(B),
      orders(B, 203),
    ]);
    expect((await feed.metrics.privateRepeats.get()).values[0]?.value).toBe(repeatsBefore + 3);
    a.close();
  });
});
