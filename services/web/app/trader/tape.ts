/** Recent trades, newest first: seeded from REST, then each `trades` message of the feed. */
import type { PublicTrade } from '@exchange/client';
import { h, time } from '../dom';

const KEEP = 40;

export class Tape {
  private seen = new Set<number>();

  constructor(private readonly host: HTMLElement) {}

  reset(trades: PublicTrade[]): void {
    this.host.replaceChildren();
    this.seen.clear();
    this.add([...trades].sort((a, b) => a.tradeId - b.tradeId));
  }

  /** Oldest first; a trade already shown (REST and feed overlap) is skipped. */
  add(trades: Array<Pick<PublicTrade, 'tradeId' | 'price' | 'qty' | 'side' | 'ts'>>): void {
    for (const t of trades) {
      if (this.seen.has(t.tradeId)) continue;
      this.seen.add(t.tradeId);
      this.host.prepend(
        h(
          'tr',
          { class: t.side, 'data-testid': 'tape-row', 'data-trade-id': t.tradeId },
          h('td', { class: 'price' }, t.price),
          h('td', null, t.qty),
          h('td', { class: 'muted' }, time(t.ts)),
        ),
      );
    }
    while (this.host.children.length > KEEP) this.host.lastElementChild?.remove();
    // remember only what is shown (a trade older than the shown ones will not come again)
    if (this.seen.size > 4 * KEEP)
      this.seen = new Set([...this.host.querySelectorAll<HTMLElement>('tr')].map((r) => Number(r.dataset.tradeId)));
  }
}
