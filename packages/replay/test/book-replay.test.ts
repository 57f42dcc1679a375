import { copyText } from '@exchange/db';
import { MarketState, type AppliedCommand } from '@exchange/engine';
import fc from 'fast-check';
import { take, workload } from '../../../services/engine/test/workload';
import { btcusdt } from '../../../services/replay/test/seed';
import { balanceHash, BookReplayer, canonicalPostings, copyField, type CommandRow, type EventRow } from '../src';

/** A "live" run: the commands through the engine's MarketState, as archived rows. */
function liveRun(seed: number, n: number): { live: MarketState; rows: CommandRow[]; events: Map<number, EventRow> } {
  const live = new MarketState(btcusdt('PROP'));
  const rows: CommandRow[] = [];
  const events = new Map<number, EventRow>();
  take(workload({ market: 'PROP', seed }), n).forEach((text, k) => {
    const a: AppliedCommand = live.applyRaw({ id: `${k + 1}-0`, ms: String(k + 1), n: '0' }, text, undefined);
    rows.push({
      inputId: a.input.id,
      firstSeq: a.firstSeq,
      lastSeq: a.lastSeq,
      commandText: a.commandText,
      lockRejected: null,
    });
    a.bodies.forEach((body, j) => events.set(a.firstSeq + j, { seq: a.firstSeq + j, body }));
  });
  return { live, rows, events };
}

function replay(
  rows: CommandRow[],
  events: Map<number, EventRow>,
  from?: { state: MarketState; at: number },
): BookReplayer {
  const r = from
    ? new BookReplayer(btcusdt('PROP'), {
        snapshot: from.state.mb.book.snapshot(),
        lastInputId: from.state.lastInputId,
        hash: from.state.mb.book.stateHash(),
      })
    : new BookReplayer(btcusdt('PROP'));
  for (const row of rows.slice(from?.at ?? 0)) r.apply(row, (seq) => events.get(seq)?.body ?? null);
  return r;
}

describe('BookReplayer', () => {
  it('reproduces any session exactly, from scratch or from a snapshot taken anywhere', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 400 }), fc.nat(), (seed, n, cut) => {
        const { live, rows, events } = liveRun(seed, n);
        const full = replay(rows, events);
        expect(full.firstDivergence).toBeNull();
        expect(full.stateHash()).toBe(live.mb.book.stateHash());
        expect(full.events).toBe(live.seq);
        const at = cut % (n + 1);
        const mid = new MarketState(btcusdt('PROP'));
        rows
          .slice(0, at)
          .forEach((r) =>
            mid.applyValue({ id: r.inputId, ms: '0', n: '0' }, JSON.parse(r.commandText), r.commandText, null),
          );
        const fromSnap = replay(rows, events, { state: mid, at });
        expect(fromSnap.firstDivergence).toBeNull();
        expect(fromSnap.stateHash()).toBe(live.mb.book.stateHash());
      }),
      { numRuns: 25 },
    );
  });

  it('names the first forged, missing or unexplained event by its seq', () => {
    const { rows, events } = liveRun(99, 300);
    const seqs = [...events.keys()];
    const forgedSeq = seqs[Math.floor(seqs.length / 2)]!;
    const forged = new Map(events);
    forged.set(forgedSeq, { seq: forgedSeq, body: events.get(forgedSeq)!.body.replace('"ts":', '"ts":1') });
    expect(replay(rows, forged).firstDivergence).toMatchObject({ seq: forgedSeq, reason: 'EVENT_MISMATCH' });
    const missing = new Map(events);
    missing.delete(forgedSeq + 3);
    missing.delete(forgedSeq + 9);
    expect(replay(rows, missing).firstDivergence).toMatchObject({ seq: forgedSeq + 3, reason: 'EVENT_MISSING' });
    const badRange = rows.map((r, k) => (k === 10 ? { ...r, lastSeq: r.lastSeq + 1 } : r));
    expect(replay(badRange, events).firstDivergence).toMatchObject({ reason: 'SEQ_RANGE', cause: rows[10]!.inputId });
  });

  it('stops at an archived command that is not JSON, naming its input id', () => {
    const { rows, events } = liveRun(7, 20);
    const damaged = rows.map((r, k) => (k === 12 ? { ...r, commandText: r.commandText.slice(0, -1) } : r));
    expect(() => replay(damaged, events)).toThrow(
      expect.objectContaining({
        code: 'ARCHIVE_UNREADABLE',
        message: `ARCHIVE_UNREADABLE: archived command ${rows[12]!.inputId} is not JSON`,
      }),
    );
  });

  it('refuses a snapshot that does not hash to its recorded hash', () => {
    const { live } = liveRun(5, 50);
    expect(
      () =>
        new BookReplayer(btcusdt('PROP'), {
          snapshot: live.mb.book.snapshot(),
          lastInputId: '1-0',
          hash: 'f'.repeat(64),
        }),
    ).toThrow(expect.objectContaining({ code: 'SNAPSHOT_CORRUPT' }));
  });
});

describe('archive text and hashes', () => {
  it('undoes the COPY escaping the engine writes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => expect(copyField(copyText(s))).toBe(s)));
    expect(copyField('\\N')).toBeNull();
  });

  it('hashes balances by content, not order, and ignores empty lines', () => {
    const a = { account: 1, asset: 'BTC', available: 5n, locked: 1n };
    const b = { account: -1, asset: 'USDT', available: 7n, locked: 0n };
    const empty = { account: 2, asset: 'BTC', available: 0n, locked: 0n };
    expect(balanceHash([a, b])).toBe(balanceHash([empty, b, a]));
    expect(balanceHash([a, b])).not.toBe(balanceHash([{ ...a, locked: 2n }, b]));
    expect(
      canonicalPostings([
        { account: 1, asset: 'BTC', bucket: 'available', amount: 3n },
        { account: 1, asset: 'BTC', bucket: 'available', amount: -3n },
        { account: 2, asset: 'BTC', bucket: 'locked', amount: 1n },
      ]),
    ).toBe('2|BTC|locked|1');
  });
});
