/**
 * Differential test: the same random command sequences go through the naive ReferenceBook and the
 * real OrderBook. After every command they must agree on the trades (maker, taker, price, qty, in
 * fill order), the rejects (command, orderId, reason), every other non-level event as a multiset
 * (accepted, canceled, done, amended, triggered, halted, resumed; seq aside), the L2 book and the
 * resting orders (L3 ids in priority order with remaining and visible qty). Level events are not
 * compared one by one (the reference emits one per changed level at the end of a command); the
 * property test checks that each engine's own level events agree with its l2().
 */
import fc from 'fast-check';
import { OrderBook } from '../src';
import type { BookCommand, BookConfig } from '../src';
import { ReferenceBook } from './reference-book';
import {
  assertProperty,
  commandsArb,
  configArb,
  DEFAULT_GEN,
  failureKind,
  failureOf,
  InvariantChecker,
  levelsOf,
  minimizeCommands,
  otherEventsOf,
  queuesOf,
  rejectsOf,
  showCommands,
  tradesOf,
  withShrinkBudget,
} from './harness';

class Divergence extends Error {}

function compare(cfg: BookConfig, cmds: readonly BookCommand[]): void {
  const ref = new ReferenceBook(cfg);
  const book = new OrderBook(cfg);
  cmds.forEach((cmd, i) => {
    const expected = ref.apply(cmd);
    const actual = book.apply(cmd);
    const parts: [string, unknown, unknown][] = [
      ['trades', tradesOf(expected), tradesOf(actual)],
      ['rejects', rejectsOf(expected), rejectsOf(actual)],
      ['other events', otherEventsOf(expected), otherEventsOf(actual)],
      ['L2', levelsOf(ref.l2()), levelsOf(book.l2())],
      ['L3', queuesOf(ref.l3()), queuesOf(book.l3())],
    ];
    for (const [what, want, got] of parts) {
      if (JSON.stringify(want) === JSON.stringify(got)) continue;
      throw new Divergence(
        `${what} differ after command #${i} ${JSON.stringify(cmd)}\n` +
          ` reference: ${JSON.stringify(want)}\n` +
          ` orderbook: ${JSON.stringify(got)}\n` +
          ` reference events: ${JSON.stringify(expected)}\n` +
          ` orderbook events: ${JSON.stringify(actual)}`,
      );
    }
  });
}

/** The failing sequence, minimised to the commands that still make the engines differ in the same way. */
const render = (cfg: BookConfig, cmds: readonly BookCommand[]) => {
  const min = minimizeCommands(cmds, (c) => failureKind(failureOf(() => compare(cfg, c))));
  const note = min.length < cmds.length ? ` (minimised from ${cmds.length} commands)` : '';
  return `config ${JSON.stringify(cfg)}${note}\n${showCommands(min)}`;
};

describe('OrderBook vs ReferenceBook', () => {
  it('agree on random sequences with faults, halts and an open-order cap (150 runs of up to 200 commands)', () => {
    assertProperty(
      fc.property(configArb, commandsArb(), withShrinkBudget(compare)),
      { seed: 31337, numRuns: 150 },
      ([cfg, cmds]) => render(cfg, cmds),
    );
  });

  it('agree on dense, valid-only sequences (two accounts, three prices)', () => {
    const cfg = { symbol: 'BTCUSDT' };
    assertProperty(
      fc.property(
        commandsArb({ ...DEFAULT_GEN, accounts: 2, minPrice: 99, maxPrice: 101, faults: false, halts: false }),
        withShrinkBudget((cmds: BookCommand[]) => compare(cfg, cmds)),
      ),
      { seed: 8, numRuns: 100 },
      ([cmds]) => render(cfg, cmds),
    );
  });

  it('the reference itself keeps every invariant the property test demands of the book', () => {
    assertProperty(
      fc.property(
        configArb,
        commandsArb(),
        withShrinkBudget((cfg: BookConfig, cmds: BookCommand[]) => {
          const checker = new InvariantChecker(new ReferenceBook(cfg));
          cmds.forEach((cmd, i) => {
            try {
              checker.apply(cmd);
            } catch (err) {
              (err as Error).message = `after command #${i} ${JSON.stringify(cmd)}:\n${(err as Error).message}`;
              throw err;
            }
          });
        }),
      ),
      { seed: 1, numRuns: 40 },
      ([cfg, cmds]) => render(cfg, cmds),
    );
  });
});
