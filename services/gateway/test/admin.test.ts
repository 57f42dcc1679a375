import { randomUUID } from 'node:crypto';
import { startHarness, stateOf, type Harness } from './support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const audit = async () =>
  (await h.db.pool.query('SELECT action, status, request, outcome FROM audit_log ORDER BY id')).rows;

describe('admin', () => {
  it('creates accounts and keys; secrets are encrypted, shown once, never stored in clear nor audited', async () => {
    const account = await h.admin.createAccount({ label: 'desk-1' });
    expect(account.accountId).toBeGreaterThan(0);
    expect(await h.admin.getAccount(account.accountId)).toMatchObject({ accountId: account.accountId, balances: [] });
    const key = await h.admin.createApiKey(account.accountId, { label: 'bot' });
    expect(key.scopes).toEqual(['read']);
    expect(key.secret.length).toBeGreaterThan(30);
    const listed = await h.admin.listApiKeys(account.accountId);
    expect(listed).toEqual([expect.objectContaining({ keyId: key.keyId })]);
    expect(JSON.stringify(listed)).not.toContain(key.secret);
    const { rows } = await h.db.pool.query<{ secret_enc: Buffer }>('SELECT secret_enc FROM api_keys WHERE id = $1', [
      key.keyId,
    ]);
    expect(rows[0]!.secret_enc.includes(Buffer.from(key.secret))).toBe(false);
    expect(JSON.stringify(await audit())).not.toContain(key.secret);
    const updated = await h.admin.updateApiKey(key.keyId, {
      scopes: ['read', 'trade'],
      ipAllowlist: ['127.0.0.1', '::1'],
    });
    expect(updated).toMatchObject({ scopes: ['read', 'trade'], ipAllowlist: ['127.0.0.1', '::1'] });
    await expect(h.admin.updateApiKey(key.keyId, { ipAllowlist: ['not-an-ip'] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(h.admin.getAccount(999_999)).rejects.toMatchObject({ status: 404, code: 'ACCOUNT_NOT_FOUND' });
  });

  it('deposits and withdrawals move money once per reference; too much → 400 INSUFFICIENT_FUNDS', async () => {
    const { accountId } = await h.admin.createAccount({});
    const reference = randomUUID();
    const dep = await h.admin.deposit({ accountId, asset: 'USDT', amount: '10.5', reference });
    expect(dep).toMatchObject({ kind: 'deposit', amount: '10.5' });
    await h.admin.deposit({ accountId, asset: 'USDT', amount: '10.5', reference });
    await h.admin.withdraw({ accountId, asset: 'USDT', amount: '0.5', reference: randomUUID() });
    expect((await h.admin.getAccount(accountId)).balances).toEqual([{ asset: 'USDT', available: '10', locked: '0' }]);
    const before = await stateOf(h);
    await expect(
      h.admin.withdraw({ accountId, asset: 'USDT', amount: '11', reference: randomUUID() }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'INSUFFICIENT_FUNDS',
    });
    await expect(
      h.admin.deposit({ accountId, asset: 'USDT', amount: '0.000000001', reference: randomUUID() }),
    ).rejects.toMatchObject({
      code: 'TOO_PRECISE',
    });
    await expect(
      h.admin.deposit({ accountId, asset: 'NOPE', amount: '1', reference: randomUUID() }),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_ASSET',
    });
    expect(await stateOf(h)).toEqual(before);
  });

  it('creates markets (units-validated), refuses duplicates; halts and resumes through the engine', async () => {
    const m = await h.admin.createMarket({
      symbol: 'ETHUSDT',
      base: 'BTC',
      quote: 'USDT',
      tickSize: '0.01',
      lotSize: '0.001',
      minQty: '0.001',
    });
    expect(m).toMatchObject({ symbol: 'ETHUSDT', status: 'trading', makerFeeBps: 10, maxOpenOrders: null });
    const capped = await h.admin.createMarket({
      symbol: 'CAPUSDT',
      base: 'BTC',
      quote: 'USDT',
      tickSize: '0.01',
      lotSize: '0.001',
      minQty: '0.001',
      maxOpenOrders: 50,
    });
    expect(capped).toMatchObject({ symbol: 'CAPUSDT', maxOpenOrders: 50 });
    // bots read the cap where they read Binance's
    const info = (await (await fetch(`${h.baseUrl}/api/v3/exchangeInfo?symbol=CAPUSDT`)).json()) as {
      symbols: Array<{ filters: Array<{ filterType: string }> }>;
    };
    expect(info.symbols[0]!.filters).toContainEqual({ filterType: 'MAX_NUM_ORDERS', maxNumOrders: 50 });
    await expect(
      h.admin.createMarket({
        symbol: 'BADCAP',
        base: 'BTC',
        quote: 'USDT',
        tickSize: '0.01',
        lotSize: '0.001',
        minQty: '0.001',
        maxOpenOrders: 0,
      }),
    ).rejects.toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    await expect(
      h.admin.createMarket({
        symbol: 'ETHUSDT',
        base: 'BTC',
        quote: 'USDT',
        tickSize: '0.01',
        lotSize: '0.001',
        minQty: '0.001',
      }),
    ).rejects.toMatchObject({ status: 409, code: 'MARKET_EXISTS' });
    await expect(
      h.admin.createMarket({
        symbol: 'FINEUSDT',
        base: 'BTC',
        quote: 'USDT',
        tickSize: '0.0000001',
        lotSize: '0.0001',
        minQty: '0.0001',
      }),
    ).rejects.toMatchObject({ status: 400, code: 'INVALID_MARKET' });

    const symbol = h.market.symbol;
    const t = await h.trader();
    await h.admin.deposit({ accountId: t.accountId, asset: 'USDT', amount: '100', reference: randomUUID() });
    expect(await h.admin.haltMarket(symbol)).toMatchObject({ market: symbol, status: 'halted', pending: false });
    await expect(
      t.client.placeOrder({ market: symbol, side: 'buy', type: 'limit', price: '10', qty: '0.2' }),
    ).rejects.toMatchObject({
      status: 409,
      code: 'MARKET_HALTED',
    });
    await h.gateway.projector.catchUp();
    expect((await h.admin.markets()).find((x) => x.symbol === symbol)?.status).toBe('halted');
    expect(await h.admin.resumeMarket(symbol)).toMatchObject({ status: 'trading' });
    expect(
      await t.client.placeOrder({ market: symbol, side: 'buy', type: 'limit', price: '10', qty: '0.2' }),
    ).toMatchObject({ status: 'NEW' });
  });

  it('writes every admin action, refused ones too, to audit_log', async () => {
    const page = await h.admin.auditLog({ limit: 500 });
    const actions = page.items.map((a) => `${a.action}:${a.status}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'account.create:201',
        'api_key.create:201',
        'deposit:201',
        'withdrawal:400',
        'market.create:409',
        'market.halt:200',
      ]),
    );
    const t = await h.trader(['read']);
    await expect(t.client.createAccount({})).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
    const latest = await h.admin.auditLog({ limit: 1 });
    expect(latest.items[0]).toMatchObject({ action: 'account.create', status: 403, actorAccountId: t.accountId });
  });
});
