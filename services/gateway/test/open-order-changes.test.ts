import fc from 'fast-check';
import type { EngineEvent } from '@exchange/protocol';
import { openOrderChanges, type OpenOrderChange } from '../src/projection/open-order-changes';

const accepted = (orderId: number, accountId = 1) =>
  ({ type: 'accepted', orderId, accountId, clientOrderId: `c${orderId}` }) as unknown as EngineEvent;
const done = (orderId: number, accountId = 1) => ({ type: 'done', orderId, accountId }) as unknown as EngineEvent;
const other = (orderId: number) => ({ type: 'canceled', orderId }) as unknown as EngineEvent;

/** Open orders after applying changes one by one, as the mirror's script does. */
function applied(start: ReadonlyMap<number, string>, changes: OpenOrderChange[]): Map<number, string> {
  const open = new Map(start);
  for (const c of changes) {
    if (c.kind === 'open') open.set(c.orderId, c.clientOrderId ?? '');
    else open.delete(c.orderId);
  }
  return open;
}

it('an order accepted and done in the same run is no change; one done later is closed', () => {
  expect(openOrderChanges([accepted(1), accepted(2), other(1), done(1), done(7, 3)])).toEqual([
    { kind: 'open', accountId: 1, orderId: 2, clientOrderId: 'c2' },
    { kind: 'close', accountId: 3, orderId: 7 },
  ]);
});

it('netting a run changes nothing: the same open orders as applying every event, whatever the split', () => {
  // A valid history: each order accepted once, then maybe done; split into runs anywhere.
  const history = fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.boolean()), { maxLength: 60 }).map((steps) => {
    const events: EngineEvent[] = [];
    const seen = new Set<number>();
    const open = new Set<number>();
    for (const [id, close] of steps) {
      if (!seen.has(id)) {
        seen.add(id);
        open.add(id);
        events.push(accepted(id));
      } else if (close && open.delete(id)) events.push(done(id));
      else events.push(other(id));
    }
    return events;
  });
  fc.assert(
    fc.property(history, fc.array(fc.nat(), { maxLength: 5 }), (events, cuts) => {
      const bounds = [...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b);
      let mirror = new Map<number, string>();
      let from = 0;
      for (const to of [...bounds, events.length]) {
        mirror = applied(mirror, openOrderChanges(events.slice(from, to)));
        from = to;
      }
      const oneByOne = applied(
        new Map(),
        events.flatMap((e) => openOrderChanges([e])),
      );
      expect(mirror).toEqual(oneByOne);
    }),
  );
});
