/**
 * The logged-in account: balances (available / locked), open orders with cancel and amend, fills.
 * Seeded from REST, then kept live by the private channel (`orders`, `balances`); after a feed
 * reconnect everything is re-read, since messages sent while offline are gone.
 */
import type { Balance, ExchangeClient, FeedClient, FeedServerMessage, Fill } from '@exchange/client';
import type { Market } from '@exchange/units';
import { describeError, type ShownError } from '../core/errors';
import { applyOrderUpdates, toOpenOrder, type OpenOrder } from '../core/open-orders';
import { byId, fill, h, time } from '../dom';

const FILLS_SHOWN = 30;

/** REST's fills (with fees) plus those only the feed has shown so far, newest first. */
function mergeFills(rest: Fill[], live: Fill[]): Fill[] {
  const key = (f: Fill) => `${f.tradeId}:${f.orderId}`;
  const known = new Set(rest.map(key));
  return [...live.filter((f) => !known.has(key(f))), ...rest].sort((a, b) => b.ts - a.ts || b.tradeId - a.tradeId);
}

export class AccountPanel {
  private balances = new Map<string, Balance>();
  private open = new Map<number, OpenOrder>();
  private fills: Fill[] = [];
  private amending: number | null = null;
  /** The row being edited survives re-renders, so live updates never wipe what is being typed. */
  private amendEl: HTMLTableRowElement | null = null;
  private reconcileTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: ExchangeClient,
    private readonly feed: FeedClient,
    private readonly market: () => Market | null,
    private readonly showError: (e: ShownError) => void,
    /** Prices of the account's resting orders changed (the ladder marks them). */
    private readonly onOwnPrices: (prices: Set<string>) => void,
  ) {
    // the first connection finds what reload() below read; a reconnect may have missed messages
    feed.on('open', () => {
      if (feed.connections > 1) void this.reload();
    });
    feed.on('message', (m) => this.onMessage(m));
    feed.on('error', (e) => this.showError({ code: e.code, text: `private channel: ${e.message}` }));
    feed.subscribe({ channel: 'private' });
    feed.connect();
    void this.reload();
  }

  close(): void {
    this.feed.close();
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    for (const id of ['balances', 'open-orders', 'fills']) fill(byId(id));
    this.onOwnPrices(new Set());
  }

  /** Everything from REST: at login, on market change and after a reconnect. */
  async reload(): Promise<void> {
    const m = this.market();
    try {
      const [balances, open, fills] = await Promise.all([
        this.api.balances(),
        m ? this.api.openOrders(m.symbol) : Promise.resolve([]),
        m ? this.api.fills({ market: m.symbol, limit: FILLS_SHOWN }) : Promise.resolve({ items: [], nextCursor: null }),
      ]);
      this.balances = new Map(balances.map((b) => [b.asset, b]));
      this.open = new Map(open.map((o) => [o.orderId, toOpenOrder(o)]));
      this.fills = fills.items;
      this.render();
    } catch (err) {
      this.showError(describeError(err));
    }
  }

  private onMessage(m: FeedServerMessage): void {
    if (m.type === 'balances') {
      for (const b of m.balances) this.balances.set(b.asset, b);
      this.renderBalances();
    } else if (m.type === 'orders' && m.market === this.market()?.symbol) {
      this.open = applyOrderUpdates(this.open, m);
      for (const u of m.updates)
        if (u.kind === 'fill')
          this.fills.unshift({
            tradeId: u.tradeId,
            market: m.market,
            orderId: u.orderId,
            side: u.side,
            role: u.liquidity,
            price: u.price,
            qty: u.qty,
            fee: '…',
            feeAsset: this.market()?.quote.code ?? '',
            ts: u.ts,
          });
      this.fills = this.fills.slice(0, FILLS_SHOWN);
      this.renderOrders();
      this.renderFills();
      this.scheduleReconcile();
    }
  }

  /**
   * Fills from the feed have no fee yet: re-read them from the read model shortly after. The read
   * model may lag the feed, so a fill the feed showed and REST does not know yet stays; open orders
   * are not re-read here at all (the feed's updates are exact; a stale list would undo them).
   */
  private scheduleReconcile(): void {
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.reconcileTimer = setTimeout(() => {
      const m = this.market();
      if (!m) return;
      this.api.fills({ market: m.symbol, limit: FILLS_SHOWN }).then(
        (page) => {
          if (this.market()?.symbol !== m.symbol) return;
          this.fills = mergeFills(page.items, this.fills).slice(0, FILLS_SHOWN);
          this.renderFills();
        },
        (err: unknown) => this.showError(describeError(err)),
      );
    }, 600);
  }

  private render(): void {
    this.renderBalances();
    this.renderOrders();
    this.renderFills();
  }

  private renderBalances(): void {
    const rows = [...this.balances.values()].sort((a, b) => a.asset.localeCompare(b.asset));
    fill(
      byId('balances'),
      ...rows.map((b) =>
        h(
          'tr',
          { 'data-testid': 'balance-row', 'data-asset': b.asset },
          h('td', null, b.asset),
          h('td', { class: 'num', 'data-testid': 'balance-available' }, b.available),
          h('td', { class: 'num', 'data-testid': 'balance-locked' }, b.locked),
        ),
      ),
    );
  }

  private renderOrders(): void {
    const rows = [...this.open.values()].sort((a, b) => b.orderId - a.orderId);
    this.onOwnPrices(new Set(rows.map((o) => o.price).filter((p): p is string => p !== null)));
    if (this.amending === null || !this.open.has(this.amending)) {
      this.amending = null;
      this.amendEl = null;
    }
    const editRow = (o: OpenOrder) => (this.amendEl ??= this.amendRow(o));
    fill(byId('open-orders'), ...rows.map((o) => (o.orderId === this.amending ? editRow(o) : this.orderRow(o))));
    if (!rows.length)
      fill(byId('open-orders'), h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'no open orders')));
  }

  private orderRow(o: OpenOrder) {
    return h(
      'tr',
      { 'data-testid': 'open-order', 'data-order-id': o.orderId, class: o.side ?? '' },
      h('td', null, String(o.orderId)),
      h('td', null, `${o.side ?? ''} ${o.type ?? ''}`),
      h('td', { class: 'num' }, o.price ?? 'market'),
      h('td', { class: 'num' }, o.qty ?? ''),
      h('td', { class: 'num' }, o.filled),
      h(
        'td',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            'data-testid': 'amend',
            onclick: () => {
              this.amending = o.orderId;
              this.renderOrders();
            },
          },
          'Amend',
        ),
        h('button', { type: 'button', 'data-testid': 'cancel', onclick: () => void this.cancel(o.orderId) }, 'Cancel'),
      ),
    );
  }

  private amendRow(o: OpenOrder) {
    const price = h('input', { value: o.price ?? '', size: 9, 'data-testid': 'amend-price' });
    const qty = h('input', { value: o.qty ?? '', size: 9, 'data-testid': 'amend-qty' });
    const issue = h('div', { class: 'issue', 'data-testid': 'amend-issue' });
    const save = async () => {
      const m = this.market();
      if (!m) return;
      const change: { price?: string; qty?: string } = {};
      if (price.value.trim() !== (o.price ?? '')) change.price = price.value.trim();
      if (qty.value.trim() !== (o.qty ?? '')) change.qty = qty.value.trim();
      const p = change.price === undefined ? null : m.parsePrice(change.price, 'price');
      const q = change.qty === undefined ? null : m.parseQty(change.qty, 'qty');
      const bad = [p, q].find((r) => r && !r.ok);
      if (bad && !bad.ok) return void (issue.textContent = `${bad.code}: ${bad.message}`);
      if (!p && !q) return void (issue.textContent = 'change the price or the quantity');
      try {
        const amended = await this.api.amendOrder(o.orderId, change);
        this.amending = null;
        this.amendEl = null;
        // the engine's answer is newer than the read model; the feed's `amended` says the same
        if (amended.status === 'FILLED' || amended.status === 'CANCELED' || amended.status === 'EXPIRED')
          this.open.delete(o.orderId);
        else if (amended.status !== 'PENDING' && this.open.has(o.orderId))
          this.open.set(o.orderId, toOpenOrder(amended));
        this.renderOrders();
      } catch (err) {
        const e = describeError(err);
        issue.textContent = `${e.code}: ${e.text}`;
      }
    };
    return h(
      'tr',
      { 'data-testid': 'open-order', 'data-order-id': o.orderId, class: 'amending' },
      h('td', null, String(o.orderId)),
      h('td', null, `${o.side ?? ''} ${o.type ?? ''}`),
      h('td', null, price),
      h('td', null, qty),
      h('td', { class: 'num' }, o.filled),
      h(
        'td',
        { class: 'actions' },
        h('button', { type: 'button', 'data-testid': 'amend-save', onclick: () => void save() }, 'Save'),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              this.amending = null;
              this.amendEl = null;
              this.renderOrders();
            },
          },
          'Back',
        ),
        issue,
      ),
    );
  }

  private async cancel(orderId: number): Promise<void> {
    try {
      await this.api.cancelOrder(orderId);
      this.open.delete(orderId);
      this.renderOrders();
    } catch (err) {
      this.showError(describeError(err));
    }
  }

  private renderFills(): void {
    fill(
      byId('fills'),
      ...this.fills.map((f) =>
        h(
          'tr',
          { 'data-testid': 'fill-row', 'data-trade-id': f.tradeId, class: f.side },
          h('td', { class: 'muted' }, time(f.ts)),
          h('td', null, String(f.orderId)),
          h('td', null, `${f.side} · ${f.role}`),
          h('td', { class: 'num' }, f.price),
          h('td', { class: 'num' }, f.qty),
          h('td', { class: 'num' }, `${f.fee} ${f.feeAsset}`),
        ),
      ),
    );
  }
}
