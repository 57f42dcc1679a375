/**
 * Chaos: the whole exchange (`./exchange start`, Redis with appendonly yes + appendfsync always)
 * under a steady load of signed orders from a few bots, while the gateway, the engine, the balance
 * manager, the ws-feed and Redis are SIGKILLed in turn and restarted. Afterwards, from the system
 * of record: no acknowledged order lost, none duplicated, sequences gapless, every lock released and
 * every balance conserved, and a WebSocket client connected throughout holds the REST book.
 * Prints one `CHAOS_SUMMARY {json}` line: the figures of docs/reliability.md.
 */
import type { LocalBook } from '@exchange/client';
import { Client } from 'pg';
import { auditLedgerSql, auditLog, orderFates, type OrderFate } from '../support/audit';
import { Bot } from '../support/bot';
import { startExchange, waitUntil, type RunningExchange, type ServiceName } from '../support/exchange';
import { adminClient, createTrader, openFeed, type RecordedFeed } from '../support/traders';

jest.setTimeout(300_000);

const MARKET = 'BTCUSDT';
const BOTS = 6;
/** Load after each recovery before the next fault, ms. */
const STEADY_MS = 2_500;
const FAULTS: Array<ServiceName | 'redis'> = ['gateway', 'engine', 'balance-manager', 'ws-feed', 'redis'];

let ex: RunningExchange;
let db: Client;
let watcher: RecordedFeed;

beforeAll(async () => {
  ex = await startExchange({
    // Many bots behind one IP: the rate limiter is not what this test is about.
    env: { RATE_LIMIT_KEY_WEIGHT: '100000', RATE_LIMIT_IP_WEIGHT: '100000' },
  });
  db = new Client({ connectionString: ex.databaseUrl });
  await db.connect();
});

afterAll(async () => {
  watcher?.feed.close();
  await db?.end();
  await ex?.stop();
});

interface FaultReport {
  fault: string;
  acknowledged: number;
  lost: number;
  duplicated: number;
  /** acknowledged after at least one failed attempt (retried with the same Idempotency-Key) */
  retried: number;
  /** of those, the gateway already had it: the engine stamped it before the last attempt */
  found: number;
  /** in flight when the process was killed, and still acknowledged (exactly once) */
  inFlightAtKill: number;
  /** snapshots the connected WebSocket client's book was resynced from in this window */
  resynced: number;
  /** the ws-feed node's own reloads from the archive in this window, by reason (its metric) */
  nodeResyncs: Record<string, number>;
  /** kill → the process (or Redis) answers its readiness probe again */
  restartMs: number;
  /** kill → an order sent after it gets the engine's outcome (200); ws-feed: the client's book resynced */
  recoverMs: number;
}

/** The readiness probe of each service (Redis: restartRedis returns once it answers PING). */
function readyUrl(fault: string): string | null {
  const p = ex.ports;
  const port = { gateway: p.gateway, engine: p.engineOps, 'balance-manager': p.bmOps, 'ws-feed': p.wsOps }[fault];
  return port === undefined ? null : `http://127.0.0.1:${port}/readyz`;
}

test('SIGKILL of every service and of Redis under load loses and duplicates no acknowledged order', async () => {
  const traders = await Promise.all(
    Array.from({ length: BOTS }, (_, i) => createTrader(ex, `chaos-${i}`, { BTC: '1000', USDT: '1000000' })),
  );
  watcher = openFeed(ex);
  const book: LocalBook = watcher.feed.book(MARKET);
  await waitUntil('the watching client to sync its book', async () => book.synced);

  let faultWindow = 'steady';
  const bots = traders.map(
    (t, i) =>
      new Bot(
        t,
        `b${i}`,
        {
          market: MARKET,
          mid: 100,
          tick: 0.01,
          spreadTicks: 40,
          pauseMs: 20,
          giveUpMs: 60_000,
          requestTimeoutMs: 4_000,
          window: () => faultWindow,
        },
        i + 1,
        ex.rest,
      ),
  );
  const running = bots.map((b) => b.run());
  const acks = () => bots.flatMap((b) => b.stats.acks);
  await new Promise((r) => setTimeout(r, STEADY_MS));

  const recovery = new Map<string, number>();
  const restarts = new Map<string, number>();
  const killedAt = new Map<string, number>();
  const resyncs = new Map<string, number>();
  const nodeResyncs = new Map<string, Record<string, number>>();
  let nodeBefore = await feedNodeResyncs();
  for (const fault of FAULTS) {
    faultWindow = fault;
    const t0 = Date.now();
    const snapshotsBefore = book.snapshots;
    const connectionsBefore = watcher.feed.connections;
    killedAt.set(fault, t0);
    if (fault === 'redis') await ex.restartRedis();
    else await ex.killService(fault);
    const probe = readyUrl(fault);
    const restarted = probe
      ? waitUntil(`${fault} ready`, async () => (await fetch(probe)).ok).then(() =>
          restarts.set(fault, Date.now() - t0),
        )
      : Promise.resolve(restarts.set(fault, Date.now() - t0));
    if (fault === 'ws-feed') {
      // Recovered when the watching client is connected again and its book resynced from a snapshot.
      await waitUntil('the feed client to reconnect and resync', async () => {
        return watcher.feed.connections > connectionsBefore && book.synced;
      });
    } else {
      // Recovered when an order sent after the kill gets the engine's outcome (200), end to end.
      await waitUntil(`an order through after the ${fault} kill`, async () =>
        acks().some((a) => a.lastAttemptAt > t0 && a.status === 200),
      );
    }
    recovery.set(fault, Date.now() - t0);
    await restarted;
    await new Promise((r) => setTimeout(r, STEADY_MS));
    resyncs.set(fault, book.snapshots - snapshotsBefore);
    const nodeNow = await feedNodeResyncs();
    nodeResyncs.set(fault, counterDelta(nodeBefore, nodeNow));
    nodeBefore = nodeNow;
  }
  faultWindow = 'after';
  await new Promise((r) => setTimeout(r, 1_000));
  for (const b of bots) b.stop();
  await Promise.all(running);
  const all = acks();

  // Settle: every acknowledged order reaches the archive, settlement and the read model catch up.
  await waitUntil(
    'every acknowledged order in the archive',
    async () => (await orderFates(db, MARKET, all)).every((f) => f.outcomes > 0 && f.readModelRows > 0),
    60_000,
  ).catch(() => undefined); // what is missing is reported below as lost
  await settled();

  // The watching client, connected through every fault, holds the REST book.
  const admin = adminClient(ex);
  await waitUntil(
    'the watching client to hold the REST book',
    async () => {
      const rest = await admin.book(MARKET, 500);
      const local = book.levels();
      return book.synced && JSON.stringify([local.bids, local.asks]) === JSON.stringify([rest.bids, rest.asks]);
    },
    30_000,
  );
  const restBook = await admin.book(MARKET, 500);
  expect(restBook.bids.length + restBook.asks.length).toBeGreaterThan(0);

  // Then every bot cancels what it has left: every accepted order must end with exactly one `done`.
  for (const t of traders) {
    await waitUntil(
      'cancel-all',
      async () => !(await t.client.cancelAll(MARKET)).pending || (await t.client.openOrders(MARKET)).length === 0,
    );
  }
  await settled();

  const fates = await orderFates(db, MARKET, all);
  const log = await auditLog(db, MARKET);
  const ledger = await auditLedgerSql(db);
  const conservation = await admin.conservation();

  const lost = (f: OrderFate) => f.outcomes === 0 || f.readModelRows === 0;
  const duplicated = (f: OrderFate) =>
    f.outcomes > 1 || f.foreignOutcomes > 0 || f.placeCommands > 1 || f.readModelRows > 1;
  const reports: FaultReport[] = ['steady', ...FAULTS, 'after'].map((w) => {
    const inWindow = fates.filter((f) => f.ack.window === w);
    const retried = inWindow.filter((f) => f.ack.attempts > 1);
    const kill = killedAt.get(w);
    return {
      fault: w,
      acknowledged: inWindow.length,
      lost: inWindow.filter(lost).length,
      duplicated: inWindow.filter(duplicated).length,
      retried: retried.length,
      found: retried.filter((f) => f.enqueuedAt !== null && f.enqueuedAt < f.ack.lastAttemptAt).length,
      inFlightAtKill:
        kill === undefined ? 0 : all.filter((a) => a.firstAttemptAt <= kill && a.answeredAt > kill).length,
      resynced: resyncs.get(w) ?? 0,
      nodeResyncs: nodeResyncs.get(w) ?? {},
      restartMs: restarts.get(w) ?? 0,
      recoverMs: recovery.get(w) ?? 0,
    };
  });
  const faults = new Map<string, number>();
  const refused = new Map<string, number>();
  for (const b of bots) {
    for (const [k, v] of b.stats.faults) faults.set(k, (faults.get(k) ?? 0) + v);
    for (const [k, v] of b.stats.refused) refused.set(k, (refused.get(k) ?? 0) + v);
  }
  const summary = {
    acknowledged: all.length,
    byStatus: countBy(all, (a) => String(a.status)),
    failedAttempts: Object.fromEntries(faults),
    refused: Object.fromEntries(refused),
    unresolved: bots.flatMap((b) => b.stats.unresolved).length,
    cancels: bots.reduce((s, b) => s + b.stats.cancels, 0),
    events: log.events,
    trades: log.trades,
    feedConnections: watcher.feed.connections,
    faults: reports,
  };
  process.stdout.write(`CHAOS_SUMMARY ${JSON.stringify(summary)}\n`);

  // Nothing acknowledged is lost or duplicated, under any fault.
  expect(summary.unresolved).toBe(0);
  expect(fates.filter(lost).map((f) => f.ack)).toEqual([]);
  expect(fates.filter(duplicated).map((f) => f.ack)).toEqual([]);
  for (const r of reports.slice(1, 1 + FAULTS.length)) {
    expect(r.acknowledged).toBeGreaterThan(0); // each fault happened under load
  }
  expect(reports.filter((r) => r.retried > 0).length).toBeGreaterThan(0); // the bots did see faults
  // Every acknowledged order has a final status in the read model.
  expect(fates.filter((f) => !['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED'].includes(f.status ?? ''))).toEqual([]);
  // The log: gapless, each command applied once, each accepted order done exactly once.
  expect(log).toMatchObject({
    gapless: true,
    tradeIdsGapless: true,
    commandsAppliedTwice: 0,
    doneTwice: 0,
    openAccepted: 0,
    checkpoints: { engine: log.lastSeq, settlement: log.lastSeq, projection: log.lastSeq },
  });
  // Money: double entry holds, nothing stays locked, every asset conserved.
  expect(ledger.unbalancedCauses).toBe(0);
  expect(ledger.balanceMismatches).toBe(0);
  expect(Object.values(ledger.locked).every((v) => v === '0')).toBe(true);
  for (const c of conservation) expect(c).toMatchObject({ ok: true, held: c.netTransfers });
  // The watching client reconnected after the ws-feed kill (and the Redis restart) and stayed in sync.
  expect(watcher.feed.connections).toBeGreaterThanOrEqual(2);
  expect(book.synced).toBe(true);
});

/** Waits until engine, settlement and read model stand on the archive's last seq, twice in a row. */
async function settled(): Promise<void> {
  let last = '';
  await waitUntil(
    'engine, settlement and read model to settle',
    async () => {
      const a = await auditLog(db, MARKET);
      const c = a.checkpoints;
      const now = `${a.lastSeq}/${c.engine}/${c.settlement}/${c.projection}`;
      const stable = now === last && c.engine === a.lastSeq && c.settlement === a.lastSeq && c.projection === a.lastSeq;
      last = now;
      if (!stable) await new Promise((r) => setTimeout(r, 400));
      return stable;
    },
    60_000,
  );
}

interface NodeCounters {
  /** process_start_time_seconds: tells a restarted process apart */
  startedAt: string;
  byReason: Record<string, number>;
}

/** ws_feed_resyncs_total of the current ws-feed process, summed by reason. */
async function feedNodeResyncs(): Promise<NodeCounters> {
  const text = await (await fetch(`http://127.0.0.1:${ex.ports.wsOps}/metrics`)).text();
  const byReason: Record<string, number> = {};
  for (const m of text.matchAll(/^ws_feed_resyncs_total\{[^}]*reason="([^"]+)"[^}]*\} (\d+)/gm)) {
    byReason[m[1]!] = (byReason[m[1]!] ?? 0) + Number(m[2]);
  }
  return { startedAt: /^process_start_time_seconds\{?[^ ]* (\d+)/m.exec(text)?.[1] ?? '', byReason };
}

/** What the node counted since `before` (all of it when the process was restarted in between). */
function counterDelta(before: NodeCounters, now: NodeCounters): Record<string, number> {
  const restarted = before.startedAt !== now.startedAt;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now.byReason)) {
    const d = restarted ? v : v - (before.byReason[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}

function countBy<T>(xs: T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}
