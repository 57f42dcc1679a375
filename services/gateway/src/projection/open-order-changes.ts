import type { EngineEvent } from '@exchange/protocol';

/** What a run of events did to the set of open orders: an order is open from `accepted` to `done`. */
export type OpenOrderChange =
  | { kind: 'open'; accountId: number; orderId: number; clientOrderId: string | null }
  | { kind: 'close'; accountId: number; orderId: number };

/**
 * The net changes of a contiguous run of one market's events, in order of first appearance: an
 * order opened and done within the run (an IOC, a market order, a fill on arrival) is no change.
 * The open set is the read model's NEW and PARTIALLY_FILLED orders (`orders/order-state.ts`).
 */
export function openOrderChanges(events: readonly EngineEvent[]): OpenOrderChange[] {
  const changes = new Map<number, OpenOrderChange>();
  for (const e of events) {
    if (e.type === 'accepted') {
      changes.set(e.orderId, {
        kind: 'open',
        accountId: e.accountId,
        orderId: e.orderId,
        clientOrderId: e.clientOrderId ?? null,
      });
    } else if (e.type === 'done') {
      if (changes.get(e.orderId)?.kind === 'open') changes.delete(e.orderId);
      else changes.set(e.orderId, { kind: 'close', accountId: e.accountId, orderId: e.orderId });
    }
  }
  return [...changes.values()];
}
