import type { MdBookMessage } from '@exchange/protocol';
import { BookFollower, L2Book, applyBookMessage } from '../src';
import { EngineSim } from './support/engine-sim';
import { Workload, mulberry32 } from './support/workload';

/** Runs the workload through the real engine pipeline; yields each batch's book message (if any). */
function* bookMessages(seed: number, batches: number): Generator<{ msg: MdBookMessage; sim: EngineSim }> {
  const sim = new EngineSim('L2TEST', 10);
  const w = new Workload('L2TEST', seed);
  const rnd = mulberry32(seed + 1);
  for (let b = 0; b < batches; b++) {
    const { out } = sim.batch(w.take(1 + Math.floor(rnd() * 8)));
    for (const raw of out.md) {
      const msg = JSON.parse(raw) as { type: string };
      if (msg.type === 'book') yield { msg: msg as MdBookMessage, sim };
    }
  }
}

describe('L2Book against the engine', () => {
  it('rebuilds the engine book from its deltas with every checksum matching', () => {
    const book = new L2Book();
    let last: EngineSim | undefined;
    let n = 0;
    for (const { msg, sim } of bookMessages(7, 1500)) {
      expect(applyBookMessage(book, msg)).toBe('applied');
      if (n++ % 100 === 0) expect(book.levels()).toEqual(sim.l2());
      last = sim;
    }
    expect(n).toBeGreaterThan(500);
    expect(book.levels()).toEqual(last!.l2());
    expect(book.levels(5)).toEqual(last!.l2(5));
  });

  it('reports stale, gap and checksum mismatch', () => {
    const msgs = [...bookMessages(11, 50)].map((x) => x.msg);
    const book = new L2Book();
    expect(applyBookMessage(book, msgs[0]!)).toBe('applied');
    expect(applyBookMessage(book, msgs[0]!)).toBe('stale');
    expect(applyBookMessage(book, msgs[2]!)).toBe('gap');
    expect(applyBookMessage(book, { ...msgs[1]!, checksum: (msgs[1]!.checksum + 1) >>> 0 })).toBe('checksum_mismatch');
  });

  it('ranks and sizes', () => {
    const b = L2Book.from(
      {
        bids: [
          ['10', '1'],
          ['9.5', '2'],
        ],
        asks: [['11', '3']],
      },
      5,
    );
    expect(b.rank('bids', '9.5')).toBe(1);
    expect(b.rank('bids', '9')).toBe(-1);
    b.set('bids', '10.25', '4');
    expect(b.levels(2).bids).toEqual([
      ['10.25', '4'],
      ['10', '1'],
    ]);
    b.set('bids', '10', '0');
    b.set('asks', '12', '0');
    expect(b.levels()).toEqual({
      bids: [
        ['10.25', '4'],
        ['9.5', '2'],
      ],
      asks: [['11', '3']],
    });
    expect(b.depthOf('bids')).toBe(2);
    expect(b.seq).toBe(5);
  });
});

describe('BookFollower', () => {
  it('splices a snapshot into buffered messages and recovers from random losses', () => {
    const rnd = mulberry32(3);
    const all = [...bookMessages(5, 1200)];
    const f = new BookFollower();
    // Subscribed first: messages 0..k are buffered, the snapshot is taken at message j's u (j < k).
    f.beginSync();
    const k = 40;
    const j = 25;
    for (let i = 0; i <= k; i++) expect(f.onMessage(all[i]!.msg)).toBe('buffered');
    const snapshot = new L2Book();
    for (let i = 0; i <= j; i++) applyBookMessage(snapshot, all[i]!.msg);
    expect(f.onSnapshot(snapshot.levels(), snapshot.seq)).toBe('live');
    expect(f.book.levels()).toEqual(replayTo(all, k));
    let gaps = 0;
    for (let i = k + 1; i < all.length; i++) {
      if (rnd() < 0.02) continue; // lost on the wire
      const outcome = f.onMessage(all[i]!.msg);
      if (outcome === 'gap') {
        gaps++;
        // resync: snapshot as of message i - 1 (what the archive would say), then keep going
        expect(f.onSnapshot(replayTo(all, i - 1), all[i - 1]!.msg.u)).toBe('live');
        expect(f.onMessage(all[i]!.msg)).toBe('applied');
      } else {
        expect(outcome).toBe('applied');
      }
    }
    expect(gaps).toBeGreaterThan(3);
    expect(f.book.levels()).toEqual(all[all.length - 1]!.sim.l2());
  });

  it('reports a gap when the buffer does not join the snapshot', () => {
    const all = [...bookMessages(9, 30)].map((x) => x.msg);
    const f = new BookFollower();
    f.beginSync();
    f.onMessage(all[5]!);
    expect(f.onSnapshot({ bids: [], asks: [] }, all[2]!.u)).toBe('gap');
    expect(f.state).toBe('syncing');
  });
});

function replayTo(all: Array<{ msg: MdBookMessage }>, i: number) {
  const b = new L2Book();
  for (let x = 0; x <= i; x++) applyBookMessage(b, all[x]!.msg, false);
  return b.levels();
}
