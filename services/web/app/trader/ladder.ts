/** The L2 ladder: asks above (best at the bottom), the spread, bids below; kept by the feed's LocalBook. */
import type { LocalBook } from '@exchange/client';
import { ExactDecimal } from '@exchange/units';
import { h, fill } from '../dom';

export const LADDER_ROWS = 12;

export function renderLadder(
  host: HTMLElement,
  book: LocalBook,
  ownPrices: ReadonlySet<string>,
  onPick: (price: string) => void,
): void {
  const { bids, asks } = book.levels(LADDER_ROWS);
  const max = Math.max(1, ...[...bids, ...asks].map(([, q]) => Number(q)));
  const row = (side: 'bid' | 'ask', [price, qty]: [string, string]) =>
    h(
      'tr',
      {
        class: `${side}${ownPrices.has(price) ? ' own' : ''}`,
        'data-testid': `ladder-${side}`,
        'data-price': price,
        title: 'click to use this price',
        onclick: () => onPick(price),
      },
      h('td', { class: 'price' }, price),
      h(
        'td',
        { class: 'qty' },
        h('span', { class: 'bar', style: `width:${((Number(qty) / max) * 100).toFixed(1)}%` }),
        h('span', null, qty),
      ),
    );
  const bestBid = bids[0]?.[0];
  const bestAsk = asks[0]?.[0];
  const spread =
    bestBid !== undefined && bestAsk !== undefined
      ? `spread ${new ExactDecimal(bestAsk).minus(bestBid).toFixed()}`
      : '—';
  fill(
    host,
    h(
      'table',
      { class: 'ladder' },
      h('tbody', null, ...[...asks].reverse().map((l) => row('ask', l))),
      h('tbody', { class: 'mid' }, h('tr', null, h('td', { colspan: 2 }, spread))),
      h('tbody', null, ...bids.map((l) => row('bid', l))),
    ),
  );
}

/** The book's sync state as the SDK sees it: synced with a verified checksum, or resyncing. */
export function renderSyncState(host: HTMLElement, book: LocalBook | null, connected: boolean): void {
  const state = !connected ? 'offline' : book?.synced ? 'synced' : 'resyncing';
  host.dataset.state = state;
  host.className = `sync ${state}`;
  host.textContent =
    state === 'synced'
      ? `checksum ✓ seq ${book!.seq} · crc ${book!.checksum(10).toString(16)} · resyncs ${book!.resyncs}`
      : state === 'offline'
        ? 'feed offline · reconnecting…'
        : 'resyncing…';
}
