/**
 * The admin API end to end: the real gateway (with the real engine and balance manager behind it),
 * the replay worker in-process on its own queue prefix, requests signed with an admin key.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { bullConnection, REPLAY_QUEUE, type ReplayJobView } from '@exchange/replay';
import { createLogger, createRegistry } from '@exchange/service-kit';
import { Queue, type Worker } from 'bullmq';
import { eventually, settled, startHarness, type Harness } from '../../gateway/test/support/harness';
import { replayConfigSchema } from '../src/config';
import { replayMetrics } from '../src/metrics';
import { startWorker, type ReplayJobData } from '../src/worker';
import { REDIS_URL } from './harness';

const PREFIX = `bull-api-${randomBytes(4).toString('hex')}`;
let h: Harness;
let worker: Worker<ReplayJobData>;

beforeAll(async () => {
  h = await startHarness({ REPLAY_QUEUE_PREFIX: PREFIX });
  const config = replayConfigSchema.parse({
    DATABASE_URL: h.db.url,
    DATABASE_SCHEMA: h.db.schema,
    REDIS_URL,
    REPLAY_QUEUE_PREFIX: PREFIX,
    REPLAY_PROGRESS_MS: '50',
  });
  worker = startWorker(
    h.db.pool,
    config,
    createLogger('replay-api-test', 'silent'),
    replayMetrics(createRegistry('t')),
  );
  // a little trading, so there is something to replay
  const [buyer, seller] = [await h.trader(), await h.trader()];
  for (const [t, asset, amount] of [
    [buyer, 'USDT', '100000'],
    [seller, 'BTC', '10'],
  ] as const) {
    await h.admin.deposit({ accountId: t.accountId, asset, amount, reference: randomUUID() });
  }
  for (let k = 0; k < 5; k++) {
    await seller.client.placeOrder({
      market: h.market.symbol,
      side: 'sell',
      type: 'limit',
      price: `${100 + k}`,
      qty: '0.5',
    });
  }
  await buyer.client.placeOrder({ market: h.market.symbol, side: 'buy', type: 'limit', price: '102', qty: '1.2' });
  await settled(h);
}, 60_000);

afterAll(async () => {
  await worker?.close();
  const queue = new Queue(REPLAY_QUEUE, { connection: bullConnection(REDIS_URL), prefix: PREFIX });
  await queue.obliterate({ force: true });
  await queue.close();
  await h?.stop();
});

// through the typed SDK's replay calls, which the admin page uses
const post = (body: unknown) => h.admin.startReplay(body as Parameters<Harness['admin']['startReplay']>[0]);
const job = async (id: string) => (await h.admin.replayJob(id)) as unknown as ReplayJobView;
const done = (id: string) =>
  eventually(async () => {
    const j = await job(id);
    return j.state === 'completed' || j.state === 'failed' ? j : null;
  }, 30_000);

describe('admin replay API', () => {
  it('verifies a market: 202, then the result, all in the audit log', async () => {
    const queued = await post({ markets: [h.market.symbol], mode: 'verify' });
    expect(queued).toEqual({ jobId: expect.any(String), state: 'queued' });
    const j = await done(queued.jobId);
    expect(j).toMatchObject({ state: 'completed', mode: 'verify', markets: [h.market.symbol], until: null });
    expect(j.progress.percent).toBe(100);
    const m = j.result!.markets[0]!;
    expect(m).toMatchObject({ market: h.market.symbol, match: true, firstDivergence: null });
    expect(m.seq).toBeGreaterThan(10);
    expect(j.result!.balances).toMatchObject({ match: true, firstDivergence: null });
    expect(j.result!.match).toBe(true);
    const list = await h.admin.replayJobs({ limit: 10 });
    expect(list.items.map((x) => x.jobId)).toContain(queued.jobId);
    await expect(h.admin.cancelReplay(queued.jobId)).rejects.toMatchObject({
      status: 409,
      code: 'JOB_FINISHED',
    });
    const { rows } = await h.db.pool.query<{ action: string; actor_account_id: string }>(
      `SELECT action, actor_account_id FROM audit_log WHERE action LIKE 'replay.%' ORDER BY id`,
    );
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['replay.create', 'replay.read', 'replay.completed', 'replay.cancel']),
    );
    const completed = rows.find((r) => r.action === 'replay.completed')!;
    expect(Number(completed.actor_account_id)).toBe(h.adminAccountId);
  }, 60_000);

  it('reconstructs the book at a seq, and exports the events as NDJSON', async () => {
    const r = await done((await post({ markets: [h.market.symbol], mode: 'reconstruct', until: { seq: 8 } })).jobId);
    expect(r.result!.markets[0]!.book!.seq).toBeLessThanOrEqual(8);
    const book = await h.admin.book(h.market.symbol);
    const full = await done((await post({ markets: [h.market.symbol], mode: 'reconstruct' })).jobId);
    // the replayed L2 is what the read model serves
    expect(full.result!.markets[0]!.book!.l2.asks.map((l) => [l.price, l.qty])).toEqual(
      book.asks.map((l) => [l[0], l[1]]),
    );
    const exp = await done((await post({ markets: [h.market.symbol], mode: 'export' })).jobId);
    const res = await h.admin.raw<string>('GET', `/v1/admin/replays/${exp.jobId}/export`, { text: true });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    expect(await h.admin.replayExport(exp.jobId)).toBe(res.body);
    const lines = res.body.trim().split('\n');
    expect(lines).toHaveLength(exp.result!.exported!);
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(lines.map((_, k) => k + 1));
    await expect(h.admin.request('GET', `/v1/admin/replays/${r.jobId}/export`)).rejects.toMatchObject({
      status: 409,
      code: 'NOT_EXPORTABLE',
    });
  }, 60_000);

  it('refuses what it cannot do', async () => {
    await expect(post({ markets: ['NOPE'], mode: 'verify' })).rejects.toMatchObject({
      status: 400,
      code: 'UNKNOWN_MARKET',
    });
    await expect(post({ markets: [h.market.symbol], mode: 'rewind' })).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    await expect(job(randomUUID())).rejects.toMatchObject({ status: 404, code: 'JOB_NOT_FOUND' });
    const trader = await h.trader(['read', 'trade']);
    await expect(
      trader.client.request('POST', '/v1/admin/replays', { body: { markets: [h.market.symbol], mode: 'verify' } }),
    ).rejects.toMatchObject({ status: 403, code: 'INSUFFICIENT_SCOPE' });
  }, 30_000);
});
