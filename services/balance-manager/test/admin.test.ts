import type { TestDatabase } from '@exchange/db';
import { keys, type AccountBalancesMessage } from '@exchange/protocol';
import { createLogger, createRedis, type Redis } from '@exchange/service-kit';
import {
  AccountPublisher,
  auditLedger,
  conservationReport,
  createAccount,
  deposit,
  EXTERNAL_ACCOUNT_ID,
  getBalances,
  getLedger,
  withdraw,
} from '../src';
import { createDb } from './harness';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let db: TestDatabase;
beforeAll(async () => {
  db = await createDb('bmadmin');
});
afterAll(() => db.drop());

describe('accounts', () => {
  it('creates with a chosen or a sequence id, idempotently', async () => {
    expect(await createAccount(db.pool, { id: 500, owner: 'alice' })).toMatchObject({ id: 500, created: true });
    expect(await createAccount(db.pool, { id: 500, owner: 'alice' })).toMatchObject({ id: 500, created: false });
    await expect(createAccount(db.pool, { id: 500, owner: 'mallory' })).rejects.toMatchObject({
      code: 'ACCOUNT_EXISTS',
    });
    const auto = await createAccount(db.pool, { owner: 'bob', tenant: 't1' });
    expect(auto.id).toBeGreaterThan(0);
    expect(auto).toMatchObject({ owner: 'bob', tenant: 't1', kind: 'user', created: true });
  });

  it('system accounts are negative and cannot be created or reused as users', async () => {
    await expect(createAccount(db.pool, { id: -1, owner: 'x' })).rejects.toMatchObject({ code: 'UNKNOWN_ACCOUNT' });
    await expect(
      db.pool.query(`INSERT INTO accounts (id, owner, kind) VALUES (-9, 'x', 'user')`),
    ).rejects.toMatchObject({ code: '23514' });
  });
});

describe('deposits and withdrawals', () => {
  it('are idempotent by transfer id; a reused id with another payload is a conflict', async () => {
    await createAccount(db.pool, { id: 501, owner: 'carol' });
    const first = await deposit(db.pool, { transferId: 'dep-1', accountId: 501, asset: 'USDT', amount: 1_000n });
    expect(first).toMatchObject({ duplicate: false, available: 1_000n, locked: 0n });
    const again = await deposit(db.pool, { transferId: 'dep-1', accountId: 501, asset: 'USDT', amount: 1_000n });
    expect(again).toMatchObject({ duplicate: true, available: 1_000n });
    await expect(
      deposit(db.pool, { transferId: 'dep-1', accountId: 501, asset: 'USDT', amount: 2_000n }),
    ).rejects.toMatchObject({
      code: 'TRANSFER_ID_CONFLICT',
    });
    await expect(
      withdraw(db.pool, { transferId: 'dep-1', accountId: 501, asset: 'USDT', amount: 1_000n }),
    ).rejects.toMatchObject({
      code: 'TRANSFER_ID_CONFLICT',
    });
    // the same deposit sent concurrently still lands once
    await Promise.all(
      Array.from({ length: 6 }, () =>
        deposit(db.pool, { transferId: 'dep-2', accountId: 501, asset: 'USDT', amount: 5n }),
      ),
    );
    expect((await getBalances(db.pool, 501)).find((b) => b.asset === 'USDT')).toMatchObject({ available: 1_005n });
  });

  it('a withdrawal never overdraws, and the refused one leaves no trace', async () => {
    await createAccount(db.pool, { id: 502, owner: 'dave' });
    await deposit(db.pool, { transferId: 'dep-3', accountId: 502, asset: 'BTC', amount: 100n });
    await expect(
      withdraw(db.pool, { transferId: 'wd-1', accountId: 502, asset: 'BTC', amount: 101n }),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_FUNDS',
    });
    expect(await withdraw(db.pool, { transferId: 'wd-1', accountId: 502, asset: 'BTC', amount: 60n })).toMatchObject({
      available: 40n,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        withdraw(db.pool, { transferId: `wd-race-${i}`, accountId: 502, asset: 'BTC', amount: 15n }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect((await getBalances(db.pool, 502))[0]).toMatchObject({ asset: 'BTC', available: 10n, locked: 0n });
  });

  it('refuses bad input with stable codes', async () => {
    const t = { transferId: 'bad', accountId: 502, asset: 'BTC', amount: 1n };
    await expect(deposit(db.pool, { ...t, amount: 0n })).rejects.toMatchObject({ code: 'INVALID_AMOUNT' });
    await expect(deposit(db.pool, { ...t, transferId: '' })).rejects.toMatchObject({ code: 'INVALID_TRANSFER_ID' });
    await expect(deposit(db.pool, { ...t, accountId: 99_999 })).rejects.toMatchObject({ code: 'UNKNOWN_ACCOUNT' });
    await expect(deposit(db.pool, { ...t, accountId: EXTERNAL_ACCOUNT_ID })).rejects.toMatchObject({
      code: 'UNKNOWN_ACCOUNT',
    });
    await expect(deposit(db.pool, { ...t, asset: 'NOPE' })).rejects.toMatchObject({ code: 'UNKNOWN_ASSET' });
    await expect(getBalances(db.pool, 99_999)).rejects.toMatchObject({ code: 'UNKNOWN_ACCOUNT' });
  });

  it('the world sums to zero: held = deposits − withdrawals per asset, and the ledger explains every balance', async () => {
    const report = await conservationReport(db.pool);
    expect(report.length).toBeGreaterThan(0);
    for (const line of report) expect(line).toMatchObject({ ok: true });
    expect(await auditLedger(db.pool)).toEqual({ unbalancedAssets: [], unbalancedCauses: [], mismatches: [] });
  });
});

describe('ledger history', () => {
  it('pages newest first with a stable keyset cursor', async () => {
    await createAccount(db.pool, { id: 503, owner: 'erin' });
    for (let i = 1; i <= 7; i++)
      await deposit(db.pool, { transferId: `hist-${i}`, accountId: 503, asset: 'USDT', amount: BigInt(i) });
    const seen: bigint[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await getLedger(db.pool, 503, { limit: 3, before: cursor });
      seen.push(...page.entries.map((e) => e.amount));
      for (const e of page.entries)
        expect(e).toMatchObject({ bucket: 'available', asset: 'USDT', cause: expect.stringMatching(/^t:hist-/) });
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(seen).toEqual([7n, 6n, 5n, 4n, 3n, 2n, 1n]);
    expect(pages).toBe(3);
    await expect(getLedger(db.pool, 503, { before: 'x' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});

describe('balance updates on acct:{id}', () => {
  let sub: Redis;
  let pub: Redis;
  beforeAll(() => {
    sub = createRedis(REDIS_URL, 'bm-admin-sub');
    pub = createRedis(REDIS_URL, 'bm-admin-pub');
  });
  afterAll(() => {
    sub.disconnect();
    pub.disconnect();
  });

  it('publishes the new values, formatted, after the commit', async () => {
    const id = 700_000 + Math.floor(Math.random() * 100_000);
    await createAccount(db.pool, { id, owner: 'frank' });
    const got: AccountBalancesMessage[] = [];
    // subscribing before the connection's ready check (INFO) is done would break that check
    if (sub.status !== 'ready') await new Promise((r) => sub.once('ready', r));
    await sub.subscribe(keys.accountChannel(id));
    sub.on('message', (_ch: string, m: string) => got.push(JSON.parse(m) as AccountBalancesMessage));
    const publisher = new AccountPublisher(pub, new Map([['USDT', 6]]), createLogger('t', 'silent'));
    await deposit(db.pool, { transferId: `pub-${id}`, accountId: id, asset: 'USDT', amount: 1_500_000n }, publisher);
    const deadline = Date.now() + 5_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(got).toEqual([
      {
        type: 'balances',
        accountId: id,
        cause: 'deposit',
        balances: [{ asset: 'USDT', available: '1.5', locked: '0' }],
      },
    ]);
  });
});
