/**
 * pnpm bench:ledger — settled trades per second through the real settlement path (SettlementLoop →
 * one transaction per batch: read the archive, order locks, pure ledger rules, ledger entries,
 * balances, order locks, checkpoint; then acct:{id} publishes) against PostgreSQL.
 *
 * Workload: a real MarketBook fed with makers and crossing takers on 1 000 accounts (maker/taker
 * fees, price improvement, partial fills, IOC remainders); every order locked through the real lock
 * stage; the events archived as the engine archives them. Only settlement is timed.
 * Baseline, same run: plain batched INSERTs (one multi-row INSERT … SELECT unnest per transaction)
 * of as many rows as there were trades, into a table shaped like ledger_entries (same columns, same
 * indexes), one transaction per batch of the same size as a settlement batch's trades.
 * ratio = ours_trades_per_sec / baseline_rows_per_sec. The last line of stdout is the JSON result.
 */
import { createTestDatabase } from '@exchange/db';
import { MarketBook } from '@exchange/matching';
import type { Command } from '@exchange/protocol';
import { createLogger, createRedis } from '@exchange/service-kit';
import {
  AccountPublisher,
  auditLedger,
  conservationReport,
  EXTERNAL_ACCOUNT_ID,
  lockBatch,
  marketContext,
  parseCommandEntry,
  SettlementLoop,
} from '../src';

const TRADES = Number(process.env.BENCH_TRADES ?? 60_000);
const SETTLE_BATCH = Number(process.env.BENCH_SETTLE_BATCH ?? 8_000);
const ACCOUNTS = 1_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = createLogger('bench-ledger', 'silent');
const say = (msg: string) => process.stdout.write(`${msg}\n`);

function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

async function main(): Promise<void> {
  const db = await createTestDatabase('bench');
  const redis = createRedis(REDIS_URL, 'bench-ledger');
  try {
    const pool = db.pool;
    const symbol = 'BENCHBTC';
    const config = {
      symbol,
      base: { code: 'BTC', decimals: 8 },
      quote: { code: 'USDT', decimals: 6 },
      tickSize: '0.01',
      lotSize: '0.0001',
      minQty: '0.0001',
      minNotional: '0',
      makerFeeBps: 2,
      takerFeeBps: 10,
    };
    await pool.query(`INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 6)`);
    await pool.query(
      `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, maker_fee_bps, taker_fee_bps)
       VALUES ($1, 'BTC', 'USDT', '0.01', '0.0001', '0.0001', '0', 2, 10)`,
      [symbol],
    );
    const ctx = marketContext(config);
    // 1 000 funded accounts, set-based: exactly what deposit() writes for each (transfer, cause,
    // two entries against the external account, balance), in five statements
    await pool.query(
      `INSERT INTO accounts (id, owner, kind) SELECT g, 'bench-' || g, 'user' FROM generate_series(1, $1) g`,
      [ACCOUNTS],
    );
    await pool.query(
      `INSERT INTO transfers (id, kind, account, asset, amount)
       SELECT 'b-' || a || '-' || g, 'deposit', g, a, 1000000000000000 FROM generate_series(1, $1) g, unnest(ARRAY['USDT', 'BTC']) a`,
      [ACCOUNTS],
    );
    await pool.query(`INSERT INTO ledger_causes (cause, entries) SELECT 't:' || id, 2 FROM transfers`);
    await pool.query(
      `INSERT INTO ledger_entries (cause, line, account, asset, bucket, amount)
       SELECT 't:' || id, 0, $1, asset, 'available', -amount FROM transfers
       UNION ALL SELECT 't:' || id, 1, account, asset, 'available', amount FROM transfers`,
      [EXTERNAL_ACCOUNT_ID],
    );
    await pool.query(`INSERT INTO balances (account, asset, available) SELECT account, asset, amount FROM transfers`);

    // ---- workload: lock stage → book → archive (not timed) -----------------------------------
    const book = new MarketBook(config);
    const rand = rng(42);
    let orderId = 0;
    let input = 0;
    let cmdSeq = 0;
    let trades = 0;
    let events = 0;
    let lockSeconds = 0;
    let orders = 0;
    const place = (side: 'buy' | 'sell', price: string, qty: string, tif: 'GTC' | 'IOC' = 'GTC') => ({
      type: 'place' as const,
      commandId: `k${++cmdSeq}`,
      market: symbol,
      ts: 1_700_000_000_000 + cmdSeq,
      accountId: 1 + rand(ACCOUNTS),
      side,
      orderType: 'limit' as const,
      price,
      qty,
      tif,
      stp: 'none' as const,
    });
    while (trades < TRADES) {
      const cmds = [];
      for (let i = 0; i < 400; i++) {
        cmds.push(place('sell', (100 + rand(10) / 100).toFixed(2), (0.0001 * (3 + rand(6))).toFixed(4)));
        cmds.push(place('buy', (99.99 - rand(10) / 100).toFixed(2), (0.0001 * (3 + rand(6))).toFixed(4)));
      }
      for (let i = 0; i < 500; i++) {
        const buy = rand(2) === 0;
        cmds.push(
          place(
            buy ? 'buy' : 'sell',
            buy ? '100.15' : '99.85',
            (0.0001 * (1 + rand(10))).toFixed(4),
            rand(4) === 0 ? 'IOC' : 'GTC',
          ),
        );
      }
      const entries = cmds.map((c) =>
        parseCommandEntry(`${1_700_000_000_000 + ++input}-0`, ['orderId', String(++orderId), 'c', JSON.stringify(c)]),
      );
      const t0 = performance.now();
      const locked = await lockBatch(pool, ctx, entries);
      lockSeconds += (performance.now() - t0) / 1000;
      orders += entries.length;
      const rows: Array<[number, string, number, string, string]> = [];
      for (const f of locked.forwards) {
        const command = JSON.parse(f.text) as Command;
        for (const e of book.apply(command, f.reject)) {
          if (e.type === 'trade') trades++;
          rows.push([
            e.seq,
            command.commandId,
            e.ts,
            e.type,
            JSON.stringify({ ...e, market: symbol, commandId: command.commandId }),
          ]);
        }
      }
      events += rows.length;
      await pool.query(
        `INSERT INTO events (market, seq, command_id, ts, type, body) SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::int8[], $5::text[], $6::json[])`,
        [
          symbol,
          rows.map((r) => r[0]),
          rows.map((r) => r[1]),
          rows.map((r) => r[2]),
          rows.map((r) => r[3]),
          rows.map((r) => r[4]),
        ],
      );
    }
    await pool.query('VACUUM ANALYZE');
    say(
      `workload: ${orders} orders locked (${Math.round(orders / lockSeconds)} orders/s through the lock stage), ${events} events, ${trades} trades`,
    );

    // ---- ours: settlement, timed -------------------------------------------------------------
    const loop = new SettlementLoop({
      pool,
      market: ctx,
      batchSize: SETTLE_BATCH,
      blockMs: 10,
      log,
      publisher: new AccountPublisher(
        redis,
        new Map([
          ['USDT', 6],
          ['BTC', 8],
        ]),
        log,
      ),
    });
    const t1 = performance.now();
    const drained = await loop.drain();
    const settledTrades = drained.trades;
    const batches = drained.batches;
    const oursSeconds = (performance.now() - t1) / 1000;
    const ours = settledTrades / oursSeconds;
    const entries = (await pool.query(`SELECT count(*)::int AS n FROM ledger_entries WHERE cause LIKE 'e:%'`)).rows[0]
      .n as number;
    say(
      `ours: ${settledTrades} trades in ${batches} batches, ${oursSeconds.toFixed(2)} s, ${entries} ledger entries written`,
    );

    // ---- checks: the run was right, not just fast ----------------------------------------------
    const report = await conservationReport(pool);
    const audit = await auditLedger(pool);
    const ok =
      report.every((l) => l.ok) &&
      audit.mismatches.length + audit.unbalancedAssets.length + audit.unbalancedCauses.length === 0;
    say(`checks: conservation ${report.every((l) => l.ok) ? 'ok' : 'FAILED'}, ledger audit ${ok ? 'ok' : 'FAILED'}`);
    if (!ok || settledTrades !== trades)
      throw new Error(`bench run is wrong: ${JSON.stringify({ settledTrades, trades, report: report.map(String) })}`);

    // ---- baseline: plain batched INSERTs of as many rows as trades ---------------------------
    await pool.query(
      'CREATE TABLE baseline_entries (LIKE ledger_entries INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING INDEXES)',
    );
    const perBatch = Math.max(1, Math.round(settledTrades / batches));
    const t2 = performance.now();
    for (let done = 0; done < settledTrades; done += perBatch) {
      const n = Math.min(perBatch, settledTrades - done);
      const idx = Array.from({ length: n }, (_, i) => done + i);
      await pool.query(
        `INSERT INTO baseline_entries (cause, line, account, asset, bucket, amount)
         SELECT * FROM unnest($1::text[], $2::int2[], $3::int8[], $4::text[], $5::text[], $6::numeric[])`,
        [
          idx.map((i) => `e:${symbol}:${i + 1}`),
          idx.map(() => 0),
          idx.map((i) => 1 + (i % ACCOUNTS)),
          idx.map(() => 'USDT'),
          idx.map(() => 'available'),
          idx.map((i) => String(1_000_000 + i)),
        ],
      );
    }
    const baseSeconds = (performance.now() - t2) / 1000;
    const baseline = settledTrades / baseSeconds;
    say(
      `baseline: ${settledTrades} rows in ${Math.ceil(settledTrades / perBatch)} INSERTs of ${perBatch}, ${baseSeconds.toFixed(2)} s`,
    );
    say(
      JSON.stringify({
        bench: 'ledger',
        ours_trades_per_sec: Math.round(ours),
        baseline_rows_per_sec: Math.round(baseline),
        ratio: Number((ours / baseline).toFixed(3)),
      }),
    );
  } finally {
    redis.disconnect();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
