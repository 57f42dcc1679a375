/**
 * The engine is SIGKILLed every 1–3 s while a producer pushes 100,000 commands; afterwards every
 * command has exactly one outcome, seqs are gapless, the archive equals a replay from scratch and
 * the Redis event stream equals the archive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@exchange/db';
import { MarketBook } from '@exchange/matching';
import { commandSchema, keys } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { loadShardMarkets } from '../src/archive';
import { encodeEvent } from '../src/codec';
import { checkpoint, cleanRedis, createMarket, redis, REDIS_URL, uniqueSymbol, waitFor } from './helpers';
import { mulberry32, take, workload } from './workload';

const ROOT = join(__dirname, '..', '..', '..');
const TOTAL = 100_000;
const CHUNK = 250;
const PRODUCE_PER_SEC = 8_000;

jest.setTimeout(240_000);

describe('engine under repeated SIGKILL', () => {
  let db: TestDatabase;
  let r: Redis;
  const M = uniqueSymbol('CRASH');
  let child: ChildProcess | null = null;
  let output = '';
  let opsPort = 0;
  let readyChild: ChildProcess | null = null;

  const start = (): ChildProcess => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'services/engine/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_SCHEMA: db.schema,
        REDIS_URL,
        LOG_LEVEL: 'info',
        ENGINE_READ_COUNT: '500',
        ENGINE_MAX_BATCH: '2000',
        ENGINE_BLOCK_MS: '50',
        SNAPSHOT_EVERY_EVENTS: '25000',
        EVENTS_STREAM_RETAIN: '100000000',
        ENGINE_MAINTENANCE_MS: '300',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-20_000);
      const ready = /"opsPort":(\d+).*"msg":"engine ready"/.exec(b.toString());
      if (ready) {
        opsPort = Number(ready[1]);
        readyChild = c;
        c.emit('ready');
      }
    };
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    return c;
  };
  const exited = (c: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      c.exitCode !== null || c.signalCode ? resolve(c.exitCode) : c.once('exit', resolve),
    );

  beforeAll(async () => {
    db = await createTestDatabase('crash');
    r = redis('crash-test');
    await cleanRedis(r, [M]);
    await createMarket(db.pool, M);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await cleanRedis(r, [M]);
    r.disconnect();
    await db.drop();
  });

  it('loses nothing, applies nothing twice, and stays deterministic', async () => {
    const commands = take(workload({ market: M, seed: 42 }), TOTAL);
    let produced = 0;
    const producer = (async () => {
      const t0 = Date.now();
      while (produced < TOTAL) {
        const p = r.pipeline();
        const end = Math.min(produced + CHUNK, TOTAL);
        for (let n = produced; n < end; n++) p.xadd(keys.engineStream(M), '*', 'i', `${n + 1}-0`, 'c', commands[n]!);
        const res = await p.exec();
        for (const [err] of res ?? []) if (err) throw err;
        produced = end; // every XADD up to here returned: acknowledged
        const ahead = produced / PRODUCE_PER_SEC - (Date.now() - t0) / 1000;
        if (ahead > 0) await new Promise((res2) => setTimeout(res2, ahead * 1000));
      }
    })();

    const rnd = mulberry32(7);
    let kills = 0;
    const progress: number[] = [];
    let producing = true;
    void producer.finally(() => (producing = false));
    while (producing || kills < 6) {
      const c = (child = start());
      // Mostly 0.5–2.5 s after it is ready (it is working then); every fourth time during start-up.
      if (kills % 4 !== 3) await new Promise((res) => (c.once('ready', res), c.once('exit', res)));
      await new Promise((res) => setTimeout(res, 500 + Math.floor(rnd() * 2000)));
      child.kill('SIGKILL');
      await exited(child);
      kills++;
      progress.push(Number((await checkpoint(db.pool, M))?.last_seq ?? 0));
      if (process.env.CRASH_DEBUG) console.log(Date.now() % 1e6, kills, produced, await checkpoint(db.pool, M));
    }
    await producer;

    // A final clean run drains everything, then stops (snapshotting) on SIGTERM. Like a supervisor,
    // restart it should it exit by itself (say, a commit of the killed process landing after the
    // restarted one recovered: it then refuses to go on, and the next start sees that commit).
    child = start();
    let restarts = 0;
    await waitFor(
      'the engine to drain',
      async () => {
        if (child!.exitCode !== null && restarts++ < 3) child = start();
        const cp = await checkpoint(db.pool, M);
        if (cp?.last_input_id !== `${TOTAL}-0`) return false;
        return ((await r.xpending(keys.engineStream(M), 'engine')) as [number])[0] === 0;
      },
      150_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${output}`);
    });
    // its ops endpoints answer
    await waitFor('the ops server', async () => readyChild === child);
    const ops = (path: string) => fetch(`http://127.0.0.1:${opsPort}${path}`);
    expect((await ops('/healthz')).status).toBe(200);
    expect((await ops('/readyz')).status).toBe(200);
    expect(await (await ops('/metrics')).text()).toMatch(
      new RegExp(`engine_last_seq\\{market="${M}",service="engine"\\} [1-9]`),
    );
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);

    // Progress was made between kills (the kills landed mid-stream, not only at the end).
    expect(kills).toBeGreaterThanOrEqual(6);
    expect(new Set(progress).size).toBeGreaterThan(2);

    // Exactly one engine_commands row per acknowledged command, with the command as sent.
    const { rows: cmds } = await db.pool.query<{
      input_ms: string;
      input_n: string;
      first_seq: string;
      last_seq: string;
      command: string;
    }>(
      `SELECT input_ms, input_n, first_seq, last_seq, command::text AS command FROM engine_commands
        WHERE market = $1 ORDER BY input_ms, input_n`,
      [M],
    );
    expect(cmds.length).toBe(TOTAL);
    let seq = 0;
    cmds.forEach((c, k) => {
      expect([c.input_ms, c.input_n]).toEqual([String(k + 1), '0']);
      expect(c.command).toBe(commands[k]);
      expect(Number(c.first_seq)).toBe(seq + 1);
      seq = Number(c.last_seq);
    });

    // Gapless events 1..N, accounted for by the commands, matching a replay from scratch.
    const { rows: events } = await db.pool.query<{ seq: string; body: string }>(
      'SELECT seq, body::text AS body FROM events WHERE market = $1 ORDER BY seq',
      [M],
    );
    expect(events.length).toBe(seq);
    expect(Number(events[events.length - 1]!.seq)).toBe(seq);
    expect(Number((await checkpoint(db.pool, M))!.last_seq)).toBe(seq);

    const [spec] = await loadShardMarkets(db.pool, 'default');
    const fresh = new MarketBook(spec!.config);
    const marketJson = JSON.stringify(M);
    let k = 0;
    for (const text of commands) {
      const cmd = commandSchema.parse(JSON.parse(text));
      const cid = JSON.stringify(cmd.commandId);
      for (const e of fresh.apply(cmd)) {
        const body = encodeEvent(e, marketJson, cid);
        if (events[k]?.body !== body)
          expect({ seq: k + 1, archived: events[k]?.body }).toEqual({ seq: k + 1, archived: body });
        k++;
      }
    }
    expect(k).toBe(events.length);
    const { rows: snaps } = await db.pool.query<{ seq: string; hash: string }>(
      'SELECT seq, hash FROM engine_snapshots WHERE market = $1 ORDER BY seq DESC LIMIT 1',
      [M],
    );
    expect(Number(snaps[0]!.seq)).toBe(seq);
    expect(snaps[0]!.hash).toBe(fresh.book.stateHash());

    // The Redis event stream equals the archive: ids `${seq}-1`, bodies byte for byte.
    let j = 0;
    for (let from = '-'; ;) {
      const page = await r.xrange(keys.eventStream(M), from, '+', 'COUNT', 20_000);
      for (const [id, fields] of page) {
        if (id !== `${j + 1}-1` || fields[1] !== events[j]?.body) {
          expect({ id, body: fields[1] }).toEqual({ id: `${j + 1}-1`, body: events[j]?.body });
        }
        j++;
      }
      if (page.length < 20_000) break;
      from = `(${page[page.length - 1]![0]}`;
    }
    expect(j).toBe(events.length);
  });
});
