/**
 * pnpm bench:replay — events per second replayed from Postgres into state.
 *
 * Seeds BENCH_EVENTS (default 1,000,000) events of one market into their own schema: the engine
 * workload's random commands through the engine's MarketState, archived with the engine's own COPY
 * transaction (events + engine_commands + checkpoint). Then, alternately, BENCH_ROUNDS times:
 * - baseline: a raw streaming read of the same rows — the two COPY … TO STDOUT statements the replay
 *   runs (engine_commands and events of the market, same filters and order), on two connections at
 *   once, counting lines and nothing else;
 * - replay: runReplay verify from scratch — both streams parsed and merged, every command through
 *   the book, every regenerated event compared byte for byte with its archived row, the final hash.
 * Best round of each. ratio = events_per_sec / baseline_rows_per_sec, both per event row. Also, for
 * context, the bound of a one-core replay: the same commands through a fresh MarketState in memory
 * (no IO, no comparison), engine_only_events_per_sec, best of BENCH_ROUNDS. The schema is dropped
 * at the end. The last line of stdout is the JSON result.
 */
import { createTestDatabase, type PoolClient } from '@exchange/db';
import { MarketState } from '@exchange/engine';
import { commandLines, eventLines, runReplay } from '@exchange/replay';
import { workload } from '../../engine/test/workload';
import { createMarket } from '../test/harness';
import { btcusdt, seedArchive } from '../test/seed';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const MARKET = 'BENCHREPLAY';
const say = (msg: string) => process.stdout.write(`${msg}\n`);

async function countLines(lines: AsyncGenerator<string[]>): Promise<number> {
  let n = 0;
  for await (const chunk of lines) n += chunk.length;
  return n;
}

/** Events/s of the engine's own command path over the seeded commands, in memory: what one core can do before any IO. */
function engineOnly(count: number, liveHash: string): number {
  const gen = workload({ market: MARKET, seed: 42 });
  const texts = Array.from({ length: count }, () => gen.next().value as string);
  const state = new MarketState(btcusdt(MARKET));
  const t = performance.now();
  for (let k = 0; k < count; k++) {
    const ms = String(1_000_001 + k);
    state.applyRaw({ id: `${ms}-0`, ms, n: '0' }, texts[k], undefined);
  }
  const seconds = (performance.now() - t) / 1000;
  if (state.mb.book.stateHash() !== liveHash) throw new Error('the in-memory run did not reach the seeded state');
  return state.seq / seconds;
}

async function main(): Promise<void> {
  const db = await createTestDatabase('benchreplay');
  try {
    await createMarket(db.pool, MARKET);
    let t = performance.now();
    const gen = workload({ market: MARKET, seed: 42 });
    const live = await seedArchive(db.pool, btcusdt(MARKET), gen, EVENTS, 25_000);
    await db.pool.query('ANALYZE events; ANALYZE engine_commands');
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM engine_commands');
    const commands = Number(rows[0]!.n);
    const events = live.seq;
    say(`seeded ${events} events from ${commands} commands in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    let bestBase = Infinity;
    let bestReplay = Infinity;
    let bestEngineOnly = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      bestEngineOnly = Math.max(bestEngineOnly, engineOnly(commands, live.mb.book.stateHash()));
      const clients: PoolClient[] = [await db.pool.connect(), await db.pool.connect()];
      t = performance.now();
      const [c, e] = await Promise.all([
        countLines(commandLines(clients[0]!, MARKET, '', events)),
        countLines(eventLines(clients[1]!, MARKET, 0, events)),
      ]);
      const base = (performance.now() - t) / 1000;
      for (const client of clients) client.release();
      if (c !== commands || e !== events) throw new Error(`baseline read ${c} commands, ${e} events`);
      bestBase = Math.min(bestBase, base);

      t = performance.now();
      const result = await runReplay(db.pool, { markets: [MARKET], mode: 'verify' });
      const replay = (performance.now() - t) / 1000;
      const m = result.markets[0]!;
      if (!m.match || m.events !== events || m.replayedHash !== live.mb.book.stateHash()) {
        throw new Error(`replay did not reproduce the state: ${JSON.stringify(m)}`);
      }
      bestReplay = Math.min(bestReplay, replay);
      say(
        `round ${round}: baseline ${base.toFixed(2)} s (${Math.round(events / base)} rows/s), ` +
          `replay ${replay.toFixed(2)} s (${Math.round(events / replay)} events/s)`,
      );
    }
    const eventsPerSec = Math.round(events / bestReplay);
    const baselinePerSec = Math.round(events / bestBase);
    say(
      JSON.stringify({
        bench: 'replay',
        events,
        events_per_sec: eventsPerSec,
        baseline_rows_per_sec: baselinePerSec,
        ratio: Number((eventsPerSec / baselinePerSec).toFixed(3)),
        engine_only_events_per_sec: Math.round(bestEngineOnly),
        engine_only_ratio: Number((bestEngineOnly / baselinePerSec).toFixed(3)),
      }),
    );
  } finally {
    await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
