/**
 * Property-based tests of the real OrderBook: random command sequences over a few accounts and a
 * narrow price band (so orders cross often), audited after every call by InvariantChecker, plus
 * snapshot/restore and replay determinism.
 */
import fc from 'fast-check';
import { OrderBook } from '../src';
import type { BookCommand, BookConfig, BookEvent } from '../src';
import {
  assertProperty,
  commandsArb,
  configArb,
  DEFAULT_GEN,
  failureKind,
  failureOf,
  InvariantChecker,
  InvariantError,
  minimizeCommands,
  showCommands,
  withShrinkBudget,
} from './harness';

const render = (cfg: BookConfig, cmds: readonly BookCommand[], extra = '') =>
  `config ${JSON.stringify(cfg)}${extra}\n${showCommands(cmds)}`;

/** Renders an audited failure minimised to the commands that still break the same rule. */
const renderAudited = (cfg: BookConfig, cmds: readonly BookCommand[]) => {
  const min = minimizeCommands(cmds, (c) => failureKind(failureOf(() => runAudited(cfg, c))));
  const note = min.length < cmds.length ? ` (minimised from ${cmds.length} commands)` : '';
  return render(cfg, min, note);
};

function runAudited(cfg: BookConfig, cmds: readonly BookCommand[]): { book: OrderBook; events: BookEvent[] } {
  const book = new OrderBook(cfg);
  const checker = new InvariantChecker(book);
  const events: BookEvent[] = [];
  cmds.forEach((cmd, i) => {
    try {
      events.push(...checker.apply(cmd));
    } catch (err) {
      if (err instanceof InvariantError) err.message = `after command #${i} ${JSON.stringify(cmd)}:\n${err.message}`;
      throw err;
    }
  });
  // every accepted order got exactly one done (checked as it came), or is still open
  for (const [id, entry] of checker.ledger) {
    if (!entry.done && !book.order(id)) throw new InvariantError(`order ${id} neither done nor open at the end`);
    if (entry.done && book.order(id)) throw new InvariantError(`order ${id} done but still open at the end`);
  }
  // seq gapless over the whole run
  events.forEach((e, i) => {
    if (e.seq !== i + 1) throw new InvariantError(`seq ${e.seq} at position ${i}`);
  });
  return { book, events };
}

describe('OrderBook properties', () => {
  it('keeps every invariant after every call (200 runs of up to 200 commands)', () => {
    assertProperty(
      fc.property(
        configArb,
        commandsArb(),
        withShrinkBudget((cfg: BookConfig, cmds: BookCommand[]) => {
          runAudited(cfg, cmds);
        }),
      ),
      { seed: 20240601, numRuns: 200 },
      ([cfg, cmds]) => renderAudited(cfg, cmds),
    );
  });

  it('keeps every invariant with valid commands only and no halts (denser matching)', () => {
    assertProperty(
      fc.property(
        commandsArb({ ...DEFAULT_GEN, accounts: 2, minPrice: 99, maxPrice: 101, faults: false, halts: false }),
        withShrinkBudget((cmds: BookCommand[]) => {
          runAudited({ symbol: 'BTCUSDT' }, cmds);
        }),
      ),
      { seed: 777, numRuns: 100 },
      ([cmds]) => renderAudited({ symbol: 'BTCUSDT' }, cmds),
    );
  });

  it('snapshot → JSON → restore at a random point gives the same stateHash and identical later events', () => {
    assertProperty(
      fc.property(
        configArb,
        commandsArb(),
        fc.nat(),
        withShrinkBudget((cfg: BookConfig, cmds: BookCommand[], cutSeed: number) => {
          const cut = cutSeed % (cmds.length + 1);
          const live = new OrderBook(cfg);
          for (const cmd of cmds.slice(0, cut)) live.apply(cmd);
          const snap = JSON.parse(JSON.stringify(live.snapshot()));
          const restored = OrderBook.restore(snap);
          expect(restored.stateHash()).toBe(live.stateHash());
          expect(restored.snapshot()).toEqual(live.snapshot());
          expect(restored.seq).toBe(live.seq);
          for (const cmd of cmds.slice(cut)) {
            const a = live.apply(cmd);
            const b = restored.apply(cmd);
            expect(b).toEqual(a);
          }
          expect(restored.stateHash()).toBe(live.stateHash());
          expect(restored.l3()).toEqual(live.l3());
        }),
      ),
      { seed: 4242, numRuns: 120 },
      ([cfg, cmds, cut]) => render(cfg, cmds, ` cut at ${cut % (cmds.length + 1)}`),
    );
  });

  it('is deterministic: replaying the same commands into a fresh book gives deep-equal events and state', () => {
    assertProperty(
      fc.property(
        configArb,
        commandsArb(),
        withShrinkBudget((cfg: BookConfig, cmds: BookCommand[]) => {
          const a = new OrderBook(cfg);
          const b = new OrderBook(cfg);
          const ea = cmds.flatMap((c) => a.apply(c));
          const eb = cmds.flatMap((c) => b.apply(structuredClone(c)));
          expect(eb).toEqual(ea);
          expect(JSON.stringify(eb)).toBe(JSON.stringify(ea));
          expect(b.stateHash()).toBe(a.stateHash());
        }),
      ),
      { seed: 99, numRuns: 60 },
      ([cfg, cmds]) => render(cfg, cmds),
    );
  });

  it('equal books hash equal, different books hash differently', () => {
    assertProperty(
      fc.property(
        commandsArb(DEFAULT_GEN, 60),
        withShrinkBudget((cmds: BookCommand[]) => {
          const a = new OrderBook({ symbol: 'BTCUSDT' });
          const hashes = new Set<string>([a.stateHash()]);
          for (const cmd of cmds) {
            const before = a.stateHash();
            const events = a.apply(cmd);
            // every command has an outcome: at least one event, so seq (and the hash) moves
            expect(events.length).toBeGreaterThan(0);
            expect(a.stateHash()).not.toBe(before);
            hashes.add(a.stateHash());
          }
          expect(hashes.size).toBeGreaterThan(1);
        }),
      ),
      { seed: 5, numRuns: 40 },
      ([cmds]) => showCommands(cmds),
    );
  });
});
