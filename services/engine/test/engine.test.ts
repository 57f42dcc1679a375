import { createTestDatabase, type TestDatabase } from '@exchange/db';
import { keys, type AccountOrdersMessage, type MarketDataMessage } from '@exchange/protocol';
import { createLogger, redisDurability, ReplyCuttingProxy, type Redis } from '@exchange/service-kit';
import { Engine } from '../src/engine';
import {
  archivedEvents,
  checkpoint,
  cleanRedis,
  command,
  createMarket,
  drained,
  engineConfig,
  place,
  redis,
  REDIS_URL,
  send,
  uniqueSymbol,
  waitFor,
} from './helpers';

const log = createLogger('engine-test', 'silent');

describe('engine (real Redis and Postgres)', () => {
  let db: TestDatabase;
  let r: Redis;
  let sub: Redis;
  const M = uniqueSymbol('ENGA');
  const H = uniqueSymbol('ENGH');
  const C = uniqueSymbol('ENGC');
  const md: MarketDataMessage[] = [];
  const acct: AccountOrdersMessage[] = [];
  let engine: Engine;

  beforeAll(async () => {
    db = await createTestDatabase('engine');
    r = redis('engine-test');
    sub = redis('engine-test-sub');
    await cleanRedis(r, [M, H, C]);
    await createMarket(db.pool, M);
    await createMarket(db.pool, C, { maxOpenOrders: 3 });
    await createMarket(db.pool, H, { status: 'halted' });
    await sub.subscribe(keys.marketDataChannel(M), keys.accountChannel(1), keys.accountChannel(2));
    sub.on('message', (channel: string, message: string) => {
      if (channel.startsWith('md:')) md.push(JSON.parse(message) as MarketDataMessage);
      else {
        // acct:{id} is shared by every market and by the balance manager: keep this market's order updates
        const msg = JSON.parse(message) as AccountOrdersMessage;
        if (msg.type === 'orders' && msg.market === M) acct.push(msg);
      }
    });
    engine = await Engine.start(engineConfig(db.schema, { SNAPSHOT_EVERY_EVENTS: '8' }), { log });
  });

  afterAll(async () => {
    await engine?.stop();
    await cleanRedis(r, [M, H, C]);
    r.disconnect();
    sub.disconnect();
    await db.drop();
  });

  it('archives and publishes place, trade, cancel and amend with gapless seqs', async () => {
    const ids = await send(r, M, 1, [
      place(M, 1, 1, 'sell', '100.5', '1'),
      place(M, 2, 2, 'buy', '100.5', '0.4'),
      place(M, 3, 2, 'buy', '99', '0.25'),
      command(M, 'amend', { accountId: 2, orderId: 3, price: '99.5' }),
      { ...command(M, 'cancel', { accountId: 1, orderId: 1 }), commandId: 'ünï-€-"q"' }, // bytes ≠ chars
    ]);
    await drained(db.pool, r, M, ids[4]!);
    const events = await archivedEvents(db.pool, M);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, k) => k + 1));
    expect(events.map((e) => e.type)).toEqual([
      'accepted', // 1 sell rests
      'level',
      'accepted', // 2 buy takes 0.4
      'trade',
      'level',
      'done',
      'accepted', // 3 buy rests at 99
      'level',
      'level', // 3 leaves 99…
      'amended', // …moves to 99.5, losing priority, and rests again
      'level',
      'canceled', // 1 canceled
      'done',
      'level',
    ]);
    const trade = events[3]!;
    expect(trade).toMatchObject({ market: M, price: 10050, qty: 40000, makerOrderId: 1, takerOrderId: 2 });
    expect(events.every((e) => e.market === M && typeof e.commandId === 'string')).toBe(true);

    // The Redis stream holds the same events under ids `${seq}-1`.
    const stream = await r.xrange(keys.eventStream(M), '-', '+');
    expect(stream.map(([id]) => id)).toEqual(events.map((e) => `${String(e.seq)}-1`));
    expect(stream.map(([, f]) => JSON.parse(f[1]!) as unknown)).toEqual(events);

    // Commands are logged with their seq ranges.
    const { rows } = await db.pool.query(
      'SELECT input_id, first_seq::int, last_seq::int FROM engine_commands WHERE market = $1 ORDER BY input_ms, input_n',
      [M],
    );
    expect(rows).toEqual([
      { input_id: '1-0', first_seq: 1, last_seq: 2 },
      { input_id: '2-0', first_seq: 3, last_seq: 6 },
      { input_id: '3-0', first_seq: 7, last_seq: 8 },
      { input_id: '4-0', first_seq: 9, last_seq: 11 },
      { input_id: '5-0', first_seq: 12, last_seq: 14 },
    ]);
  });

  it('publishes book deltas, trades, ticker and account updates as decimal strings', async () => {
    await waitFor('market data', async () => md.some((m) => m.type === 'book' && m.u === 14));
    const books = md.filter((m) => m.type === 'book');
    for (let k = 1; k < books.length; k++) expect(books[k]!.pu).toBe(books[k - 1]!.u);
    expect(books[0]!.pu).toBe(0);
    const last = books[books.length - 1]!;
    // after the cancel only the bid 99.5 × 0.25 is left
    const trades = md.filter((m) => m.type === 'trades').flatMap((m) => m.trades);
    expect(trades).toEqual([{ seq: 4, tradeId: 1, price: '100.5', qty: '0.4', side: 'buy', ts: expect.any(Number) }]);
    const ticker = md.filter((m) => m.type === 'ticker').pop()!;
    expect(ticker).toMatchObject({ last: '100.5', bid: ['99.5', '0.25'], ask: null, seq: 14 });
    expect(last.asks.concat(last.bids).length).toBeGreaterThan(0);
    await waitFor('account updates', async () =>
      acct.some((m) => m.accountId === 1 && m.updates.some((u) => u.kind === 'done')),
    );
    const fills = acct.flatMap((m) => m.updates.filter((u) => u.kind === 'fill'));
    expect(fills).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ orderId: 1, liquidity: 'maker', side: 'sell', price: '100.5', qty: '0.4' }),
        expect.objectContaining({ orderId: 2, liquidity: 'taker', side: 'buy', price: '100.5', qty: '0.4' }),
      ]),
    );
  });

  it('ignores a duplicate input (id not above the last applied), acking it', async () => {
    const before = await checkpoint(db.pool, M);
    await send(r, M, 3, [place(M, 99, 1, 'sell', '1', '1')]); // i = 3-0 again
    const ids = await send(r, M, 6, [place(M, 4, 1, 'sell', '101', '0.1')]);
    await drained(db.pool, r, M, ids[0]!);
    const events = await archivedEvents(db.pool, M);
    expect(events.filter((e) => e.orderId === 99)).toEqual([]);
    expect(Number((await checkpoint(db.pool, M))!.last_seq)).toBe(Number(before!.last_seq) + 2);
    const dup = await engine.metrics.duplicates.get();
    expect(dup.values.find((v) => v.labels.market === M)?.value).toBe(1);
    const pending = (await r.xpending(keys.engineStream(M), 'engine')) as [number];
    expect(pending[0]).toBe(0); // the duplicate was acked too
  });

  it('records a refused lock, a malformed command and a units error as rejected events', async () => {
    const ids = await send(r, M, 7, [
      { raw: JSON.stringify(place(M, 5, 3, 'buy', '100', '1')), lockRejected: 'INSUFFICIENT_FUNDS' },
      { raw: '{not json' },
      place(M, 6, 3, 'buy', '100.001', '1'),
      { raw: JSON.stringify({ ...place(M, 7, 3, 'buy', '100', '1'), market: 'OTHER' }) },
    ]);
    await drained(db.pool, r, M, ids[3]!);
    const events = (await archivedEvents(db.pool, M)).slice(-4);
    expect(events).toEqual([
      expect.objectContaining({ type: 'rejected', reason: 'INSUFFICIENT_FUNDS', orderId: 5 }),
      expect.objectContaining({ type: 'rejected', reason: 'INVALID_COMMAND', commandId: 'input:8-0' }),
      expect.objectContaining({ type: 'rejected', reason: 'TOO_PRECISE', field: 'price', orderId: 6 }),
      expect.objectContaining({ type: 'rejected', reason: 'INVALID_COMMAND', field: 'market', orderId: 7 }),
    ]);
  });

  it('halts and resumes through the stream; a halted market keeps its book and still cancels', async () => {
    const ids = await send(r, M, 11, [
      command(M, 'halt'),
      place(M, 8, 1, 'sell', '102', '0.1'),
      command(M, 'cancel', { accountId: 1, orderId: 4 }),
    ]);
    await drained(db.pool, r, M, ids[2]!);
    expect((await db.pool.query('SELECT status FROM markets WHERE symbol = $1', [M])).rows[0]).toEqual({
      status: 'halted',
    });
    let events = await archivedEvents(db.pool, M);
    expect(events.slice(-5).map((e) => [e.type, e.orderId, e.reason])).toEqual([
      ['halted', undefined, undefined],
      ['rejected', 8, 'MARKET_HALTED'],
      ['canceled', 4, 'user'],
      ['done', 4, 'canceled'],
      ['level', undefined, undefined],
    ]);
    const bid = engine.markets.get(M)!.state.mb.book.l1().bid;
    expect(bid).toMatchObject({ price: 9950, qty: 25000 }); // the book is kept
    const more = await send(r, M, 14, [command(M, 'resume'), place(M, 9, 1, 'sell', '102', '0.1')]);
    await drained(db.pool, r, M, more[1]!);
    events = await archivedEvents(db.pool, M);
    expect(events.slice(-3).map((e) => e.type)).toEqual(['resumed', 'accepted', 'level']);
    expect((await db.pool.query('SELECT status FROM markets WHERE symbol = $1', [M])).rows[0]).toEqual({
      status: 'trading',
    });
    await waitFor('status messages', async () => md.filter((m) => m.type === 'status').length === 2);
  });

  it("enforces the market's open-order cap per account in the book, even for orders sent in one burst", async () => {
    // five resting orders of account 7 arrive together, as a burst the gateway's read model cannot see
    const burst = await send(r, C, 1, [
      place(C, 1, 7, 'buy', '90', '1'),
      place(C, 2, 7, 'buy', '91', '1'),
      place(C, 3, 8, 'buy', '91', '1'), // another account has its own count
      place(C, 4, 7, 'sell', '120', '1'),
      place(C, 5, 7, 'buy', '92', '1'),
      place(C, 6, 7, 'buy', '93', '1', { tif: 'IOC' }), // cannot stay open: not capped
      place(C, 7, 7, 'sell', '121', '1'),
    ]);
    await drained(db.pool, r, C, burst[6]!);
    const outcome = async () =>
      (await archivedEvents(db.pool, C))
        .filter((e) => e.type === 'accepted' || e.type === 'rejected')
        .map((e) => [e.orderId, e.type, e.reason]);
    expect(await outcome()).toEqual([
      [1, 'accepted', undefined],
      [2, 'accepted', undefined],
      [3, 'accepted', undefined],
      [4, 'accepted', undefined],
      [5, 'rejected', 'TOO_MANY_OPEN_ORDERS'],
      [6, 'accepted', undefined],
      [7, 'rejected', 'TOO_MANY_OPEN_ORDERS'],
    ]);
    // a cancel frees a place
    const more = await send(r, C, 8, [
      command(C, 'cancel', { accountId: 7, orderId: 1 }),
      place(C, 8, 7, 'buy', '89', '1'),
    ]);
    await drained(db.pool, r, C, more[1]!);
    expect((await outcome()).pop()).toEqual([8, 'accepted', undefined]);
  });

  it('starts a market configured halted with a halt in its own log', async () => {
    const events = await archivedEvents(db.pool, H);
    expect(events).toEqual([expect.objectContaining({ seq: 1, type: 'halted', commandId: `config-halt:${H}` })]);
    const ids = await send(r, H, 1, [place(H, 1, 1, 'buy', '1', '1')]);
    await drained(db.pool, r, H, ids[0]!);
    expect((await archivedEvents(db.pool, H)).pop()).toMatchObject({ type: 'rejected', reason: 'MARKET_HALTED' });
  });

  it('a restart after a crash recovers from a snapshot plus the archived tail to the same state hash', async () => {
    const ids = await send(r, M, 16, [
      place(M, 10, 3, 'buy', '97', '1'), // enough events for a snapshot (every 8)
      place(M, 11, 3, 'buy', '96', '1'),
      place(M, 12, 3, 'buy', '95', '1'),
      place(M, 13, 3, 'buy', '94', '1'),
      place(M, 14, 1, 'sell', '103', '0.5'),
      place(M, 15, 2, 'buy', '103', '0.2'),
    ]);
    await drained(db.pool, r, M, ids[5]!);
    // a batch too small for a snapshot of its own
    const [small] = await send(r, M, 22, [place(M, 16, 2, 'buy', '98', '0.3', { clientOrderId: 'x-1' })]);
    await drained(db.pool, r, M, small!);
    const hash = engine.markets.get(M)!.state.mb.book.stateHash();
    const hashH = engine.markets.get(H)!.state.mb.book.stateHash();
    const seq = engine.markets.get(M)!.state.seq;
    await engine.kill(); // no final snapshot: the restart must replay the tail after the last one
    const { rows } = await db.pool.query('SELECT max(seq)::int AS s FROM engine_snapshots WHERE market = $1', [M]);
    expect(rows[0].s).toBeGreaterThan(0);
    expect(rows[0].s).toBeLessThan(seq);

    engine = await Engine.start(engineConfig(db.schema, { SNAPSHOT_EVERY_EVENTS: '8' }), { log });
    expect(engine.recovery.get(M)).toMatchObject({ snapshotSeq: rows[0].s, republished: 0 });
    expect(engine.recovery.get(M)!.replayed).toBeGreaterThan(0);
    expect(engine.markets.get(M)!.state.mb.book.stateHash()).toBe(hash);
    expect(engine.markets.get(H)!.state.mb.book.stateHash()).toBe(hashH);

    // and it carries on from there
    const next = await send(r, M, 23, [command(M, 'cancel', { accountId: 2, clientOrderId: 'x-1' })]);
    await drained(db.pool, r, M, next[0]!);
    expect((await archivedEvents(db.pool, M)).slice(-3).map((e) => e.type)).toEqual(['canceled', 'done', 'level']);
  });

  it('re-publishes archived events missing from the Redis stream on start', async () => {
    const events = await archivedEvents(db.pool, M);
    await engine.stop();
    await r.del(keys.eventStream(M));
    engine = await Engine.start(engineConfig(db.schema), { log });
    expect(engine.recovery.get(M)).toMatchObject({ replayed: 0, republished: events.length });
    const stream = await r.xrange(keys.eventStream(M), '-', '+');
    expect(stream.map(([, f]) => JSON.parse(f[1]!) as unknown)).toEqual(events);
  });

  it('takes over entries another consumer of the group left pending', async () => {
    await engine.stop();
    const [id] = await send(r, M, 24, [place(M, 17, 1, 'sell', '104', '0.1')]);
    // delivered to a consumer that then died (another shard name), never acked
    await r.xreadgroup('GROUP', 'engine', 'old-shard', 'COUNT', 10, 'STREAMS', keys.engineStream(M), '>');
    engine = await Engine.start(engineConfig(db.schema), { log });
    await drained(db.pool, r, M, id!);
    expect((await archivedEvents(db.pool, M)).slice(-2).map((e) => [e.type, e.orderId])).toEqual([
      ['accepted', 17],
      ['level', undefined],
    ]);
  });

  it('applies, in order, entries whose delivery Redis recorded but whose reply was lost on the wire', async () => {
    const X = uniqueSymbol('ENGX');
    await createMarket(db.pool, X, { shard: 'cut' });
    const proxy = await ReplyCuttingProxy.start(REDIS_URL);
    const cutEngine = await Engine.start(engineConfig(db.schema, { ENGINE_SHARD: 'cut', REDIS_URL: proxy.url }), {
      log,
    });
    try {
      // input 1 is delivered (pending for shard `cut`) and the reply lost; ioredis re-sends the read
      // after reconnecting, and a re-sent `>` read returns only what came after input 1
      const cut = proxy.cutNextNewEntriesReply();
      await send(r, X, 1, [place(X, 1, 1, 'sell', '100', '0.1')]);
      await cut;
      const [, last] = await send(r, X, 2, [place(X, 2, 1, 'sell', '101', '0.1'), place(X, 3, 2, 'buy', '100', '0.1')]);
      await drained(db.pool, r, X, last!);
      const events = await archivedEvents(db.pool, X);
      expect(events.filter((e) => e.type === 'accepted').map((e) => e.orderId)).toEqual([1, 2, 3]);
      expect(events.filter((e) => e.type === 'trade')).toMatchObject([{ makerOrderId: 1, takerOrderId: 3 }]);
      expect((await cutEngine.metrics.interruptedReads.get()).values[0]?.value).toBe(1);
    } finally {
      await cutEngine.stop();
      await proxy.close();
      await cleanRedis(r, [X]);
    }
  });

  it('refuses a Redis without appendonly when REQUIRE_DURABLE_REDIS=true', async () => {
    const { appendonly } = await redisDurability(r);
    const started = Engine.start(engineConfig(db.schema, { REQUIRE_DURABLE_REDIS: 'true', ENGINE_SHARD: 'nobody' }), {
      log,
    });
    if (appendonly) await expect(started).rejects.toMatchObject({ code: 'NO_MARKETS' });
    else await expect(started).rejects.toMatchObject({ code: 'REDIS_NOT_DURABLE' });
  });

  it('refuses a market whose units do not compile', async () => {
    const bad = uniqueSymbol('ENGX');
    await db.pool.query(
      `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, shard)
       VALUES ($1, 'BTC', 'USDT', '0.000001', '0.00001', '0.00001', 'broken')`,
      [bad],
    );
    await expect(Engine.start(engineConfig(db.schema, { ENGINE_SHARD: 'broken' }), { log })).rejects.toMatchObject({
      code: 'INVALID_MARKET',
    });
    await cleanRedis(r, [bad]);
  });

  it('trims events:{market} to the retention window but never past a consumer group, engine:{market} to what is acked', async () => {
    const T = uniqueSymbol('ENGT');
    await createMarket(db.pool, T, { shard: 'trim' });
    await cleanRedis(r, [T]);
    await r.xgroup('CREATE', keys.eventStream(T), 'lagger', '0', 'MKSTREAM');
    const trimmer = await Engine.start(
      engineConfig(db.schema, { ENGINE_SHARD: 'trim', EVENTS_STREAM_RETAIN: '5', ENGINE_MAINTENANCE_MS: '30' }),
      { log },
    );
    try {
      const ids = await send(
        r,
        T,
        1,
        Array.from({ length: 10 }, (_, k) => place(T, k + 1, 1, 'buy', `${90 + k}`, '1')),
      );
      await drained(db.pool, r, T, ids[9]!);
      await r.xreadgroup('GROUP', 'lagger', 'c', 'COUNT', 3, 'STREAMS', keys.eventStream(T), '>');
      await waitFor(
        'the input stream trimmed to what is acked',
        async () => (await r.xlen(keys.engineStream(T))) === 1,
      );
      expect(await r.xlen(keys.eventStream(T))).toBe(20); // the lagging group still needs 1-1
      await r.xack(keys.eventStream(T), 'lagger', '1-1', '2-1', '3-1');
      const rest = (await r.xreadgroup(
        'GROUP',
        'lagger',
        'c',
        'COUNT',
        100,
        'STREAMS',
        keys.eventStream(T),
        '>',
      )) as Array<[string, Array<[string, string[]]>]>;
      await r.xack(keys.eventStream(T), 'lagger', ...rest[0]![1].map(([id]) => id));
      await waitFor('the event stream trimmed to 5', async () => (await r.xlen(keys.eventStream(T))) === 5);
      expect((await r.xrange(keys.eventStream(T), '-', '+')).map(([id]) => id)).toEqual([
        '16-1',
        '17-1',
        '18-1',
        '19-1',
        '20-1',
      ]);
    } finally {
      await trimmer.stop();
      await cleanRedis(r, [T]);
    }
  });

  it('refuses to start when the archive disagrees with what the book regenerates', async () => {
    await engine.stop();
    // Tamper with a command after the newest snapshot: replay then differs from the archived events.
    await db.pool.query('DELETE FROM engine_snapshots WHERE market = $1', [M]);
    await db.pool.query('ALTER TABLE engine_commands DISABLE TRIGGER engine_commands_append_only');
    await db.pool.query(
      `UPDATE engine_commands SET command = (replace(command::text, '"100.5"', '"100.4"'))::json
        WHERE market = $1 AND input_id = '1-0'`,
      [M],
    );
    await expect(Engine.start(engineConfig(db.schema), { log })).rejects.toMatchObject({ code: 'RECOVERY_MISMATCH' });
    await db.pool.query(
      `UPDATE engine_commands SET command = (replace(command::text, '"100.4"', '"100.5"'))::json
        WHERE market = $1 AND input_id = '1-0'`,
      [M],
    );
    engine = await Engine.start(engineConfig(db.schema), { log });
    expect(engine.recovery.get(M)!.snapshotSeq).toBeNull();
  });
});
