import { startHarness, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('ops and contract', () => {
  it('serves /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${h.baseUrl}/readyz`)).json()).toEqual({ status: 'ready' });
    await h.admin.markets();
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toContain('gateway_http_requests_total{method="GET",route="/v1/markets",status="200"');
  });

  it('answers a route by its exact path and by the variants express accepts, under one metrics label', async () => {
    // /v1/markets is found by exact path before express's router (ADR 0025); the rest go through express.
    const count = async () => {
      const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('gateway_http_requests_total{method="GET",route="/v1/markets",status="200"'));
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await count();
    for (const path of ['/v1/markets', '/v1/markets/', '/V1/Markets', '/v1/markets?x=1']) {
      const res = await fetch(`${h.baseUrl}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: path.includes('?') ? 400 : 200 });
    }
    expect((await fetch(`${h.baseUrl}/v1/markets`, { method: 'HEAD' })).status).toBe(200);
    expect(await count()).toBe(before + 3); // the query one is a 400
  });

  it('publishes OpenAPI 3.1 generated from the zod schemas', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<string, { schema: { additionalProperties?: unknown; required?: string[] } }>;
            };
            parameters: Array<{ name: string }>;
          }
        >
      >;
    };
    expect(doc.openapi).toBe('3.1.0');
    const place = doc.paths['/v1/orders']!.post!;
    const schema = place.requestBody!.content['application/json']!.schema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['market', 'side', 'type']);
    expect(place.parameters.map((p) => p.name)).toContain('Idempotency-Key');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/orders/{orderId}',
        '/v1/markets/{symbol}/candles',
        '/v1/admin/markets/{symbol}/halt',
      ]),
    );
  });

  it('answers JSON errors, never HTML', async () => {
    const res = await fetch(`${h.baseUrl}/nowhere`, { method: 'POST', body: 'x' });
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('projects each event exactly once, even with concurrent projectors', async () => {
    const t = await h.trader();
    await h.admin.deposit({ accountId: t.accountId, asset: 'BTC', amount: '1', reference: `r-${t.accountId}` });
    await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: '1000', reference: `q-${t.accountId}` });
    const market = h.market.symbol;
    await t.client.placeOrder({ market, side: 'sell', type: 'limit', price: '10', qty: '0.5', stp: 'none' });
    await t.client.placeOrder({ market, side: 'buy', type: 'limit', price: '10', qty: '0.2', stp: 'none' });
    await Promise.all([h.gateway.projector.catchUp(), h.gateway.projector.catchUp(), h.gateway.projector.catchUp()]);
    const { rows } = await h.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM fills WHERE account_id = $1', [
      t.accountId,
    ]);
    expect(Number(rows[0]!.n)).toBe(2);
    const [cp] = (
      await h.db.pool.query<{ last_seq: string }>('SELECT last_seq FROM projection_checkpoints WHERE market = $1', [
        market,
      ])
    ).rows;
    const [max] = (await h.db.pool.query<{ m: string }>('SELECT max(seq) AS m FROM events WHERE market = $1', [market]))
      .rows;
    expect(cp!.last_seq).toBe(max!.m);
  });
});
