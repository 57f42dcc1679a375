import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  canonicalString,
  ExchangeApiError,
  ExchangeClient,
  isApiError,
  queryString,
  signRequest,
  webCryptoHmac,
} from '../src';

describe('signing', () => {
  it('builds the documented canonical string', () => {
    expect(
      canonicalString({
        timestamp: 1700000000000,
        nonce: 'abcdefghijklmnop',
        method: 'post',
        target: '/v1/orders?x=1',
        body: '{"a":1}',
      }),
    ).toBe('1700000000000\nabcdefghijklmnop\nPOST\n/v1/orders?x=1\n{"a":1}');
  });

  it('WebCrypto HMAC equals node:crypto HMAC', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string(), async (secret, message) => {
        expect(await webCryptoHmac(secret, message)).toBe(createHmac('sha256', secret).update(message).digest('hex'));
      }),
      { numRuns: 50 },
    );
  });

  it('signs with the four headers', async () => {
    const h = await signRequest(
      { apiKey: 'ak_x', apiSecret: 's' },
      { method: 'GET', target: '/v1/account', body: '' },
      { now: 5, nonce: 'n'.repeat(16) },
    );
    expect(h).toEqual({
      'x-api-key': 'ak_x',
      'x-timestamp': '5',
      'x-nonce': 'n'.repeat(16),
      'x-signature': createHmac('sha256', 's')
        .update(`5\n${'n'.repeat(16)}\nGET\n/v1/account\n`)
        .digest('hex'),
    });
  });
});

describe('client', () => {
  it('encodes queries so that no URL parser changes what was signed', () => {
    expect(queryString({ a: 1, b: undefined, c: "x'y (z)*!" })).toBe('?a=1&c=x%27y%20%28z%29%2A%21');
    expect(queryString({})).toBe('');
    const target = `/p${queryString({ c: "x'y (z)*!" })}`;
    expect(new URL(`http://h${target}`).pathname + new URL(`http://h${target}`).search).toBe(target);
  });

  it('sends signed requests through the given fetch and throws typed errors', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ code: 'RATE_LIMITED', message: 'slow down', details: {} }), {
        status: 429,
        headers: { 'retry-after': '3' },
      });
    }) as unknown as typeof fetch;
    const client = new ExchangeClient({ baseUrl: 'http://gw/', apiKey: 'ak_1', apiSecret: 'sec', fetch: fakeFetch });
    const err = await client
      .placeOrder({ market: 'BTCUSDT', side: 'buy', type: 'limit', price: '1', qty: '1' }, { idempotencyKey: 'k1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeApiError);
    expect(isApiError(err, 'RATE_LIMITED')).toBe(true);
    expect((err as ExchangeApiError).retryAfterSeconds).toBe(3);
    const { url, init } = seen[0]!;
    expect(url).toBe('http://gw/v1/orders');
    const headers = init.headers as Record<string, string>;
    expect(headers['idempotency-key']).toBe('k1');
    const expected = createHmac('sha256', 'sec')
      .update(
        canonicalString({
          timestamp: headers['x-timestamp']!,
          nonce: headers['x-nonce']!,
          method: 'POST',
          target: '/v1/orders',
          body: init.body as string,
        }),
      )
      .digest('hex');
    expect(headers['x-signature']).toBe(expected);
  });

  it('refuses to sign without credentials, and sends public requests unsigned', async () => {
    let headers: Record<string, string> = {};
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      headers = init.headers as Record<string, string>;
      return new Response('[]', { status: 200 });
    }) as unknown as typeof fetch;
    const client = new ExchangeClient({ baseUrl: 'http://gw', fetch: fakeFetch });
    expect(await client.markets()).toEqual([]);
    expect(headers['x-signature']).toBeUndefined();
    await expect(client.balances()).rejects.toThrow(/apiKey and apiSecret/);
  });
});
