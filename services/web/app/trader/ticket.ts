/** Order entry: limit or market, buy or sell, TIF, post-only; checked against the market's units on every keystroke. */
import type { ExchangeClient, OrderResult, TimeInForce } from '@exchange/client';
import type { Market } from '@exchange/units';
import { checkTicket, type OrderTicket, type TicketField, type TicketIssue } from '../core/order-form';
import { describeError, type ShownError } from '../core/errors';
import { byId, fill, h } from '../dom';

export interface TicketDeps {
  market: () => Market | null;
  api: () => ExchangeClient | null;
  showError: (e: ShownError) => void;
  onPlaced: (r: OrderResult) => void;
}

export class TicketForm {
  private side: 'buy' | 'sell' = 'buy';
  private readonly form = byId<HTMLFormElement>('ticket');
  private readonly type = byId<HTMLSelectElement>('ticket-type');
  private readonly price = byId<HTMLInputElement>('ticket-price');
  private readonly qty = byId<HTMLInputElement>('ticket-qty');
  private readonly tif = byId<HTMLSelectElement>('ticket-tif');
  private readonly postOnly = byId<HTMLInputElement>('ticket-post-only');
  private readonly submit = byId<HTMLButtonElement>('ticket-submit');
  private readonly result = byId('ticket-result');

  constructor(private readonly deps: TicketDeps) {
    for (const b of this.form.querySelectorAll<HTMLButtonElement>('[data-side]'))
      b.addEventListener('click', () => this.setSide(b.dataset.side as 'buy' | 'sell'));
    this.type.addEventListener('change', () => {
      // a market order is IOC by default; a limit order GTC
      this.tif.value = this.type.value === 'market' ? 'IOC' : 'GTC';
      this.check();
    });
    for (const el of [this.price, this.qty, this.tif, this.postOnly]) el.addEventListener('input', () => this.check());
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.send();
    });
    this.setSide('buy');
  }

  setPrice(price: string): void {
    this.price.value = price;
    this.check();
  }

  private setSide(side: 'buy' | 'sell'): void {
    this.side = side;
    for (const b of this.form.querySelectorAll<HTMLButtonElement>('[data-side]'))
      b.classList.toggle('active', b.dataset.side === side);
    this.submit.className = side;
    this.check();
  }

  private ticket(): OrderTicket {
    return {
      side: this.side,
      type: this.type.value as OrderTicket['type'],
      price: this.price.value,
      qty: this.qty.value,
      tif: this.tif.value as TimeInForce,
      postOnly: this.postOnly.checked,
    };
  }

  /** Shows each field's issue under it; empty fields are not nagged about until a send is tried. */
  check(showEmpty = false): ReturnType<typeof checkTicket> | null {
    const market = this.deps.market();
    if (!market) return null;
    const t = this.ticket();
    const res = checkTicket(market, t);
    const issues = res.ok ? [] : res.issues.filter((i) => showEmpty || i.code !== 'EMPTY');
    for (const field of ['price', 'qty', 'tif', 'postOnly'] as TicketField[]) {
      const issue = issues.find((i: TicketIssue) => i.field === field);
      const el = byId(`ticket-${field === 'postOnly' ? 'post-only' : field}-issue`);
      el.textContent = issue ? `${issue.code}: ${issue.message}` : '';
      el.dataset.code = issue?.code ?? '';
    }
    this.price.placeholder = t.type === 'market' ? (t.side === 'buy' ? 'protection price' : 'optional') : 'price';
    this.submit.textContent = `${t.side === 'buy' ? 'Buy' : 'Sell'} ${market.base.code}`;
    return res;
  }

  private async send(): Promise<void> {
    const api = this.deps.api();
    if (!api) return this.deps.showError({ code: 'MISSING_CREDENTIALS', text: 'Log in with an API key to trade.' });
    const res = this.check(true);
    if (!res?.ok) return;
    this.submit.disabled = true;
    try {
      const placed = await api.placeOrder({ ...res.request, respType: 'result' });
      fill(
        this.result,
        h(
          'span',
          { 'data-testid': 'ticket-status', 'data-status': placed.status },
          `#${placed.orderId} ${placed.status}`,
          placed.fills.length ? ` · ${placed.fills.length} fill(s)` : '',
        ),
      );
      this.deps.onPlaced(placed);
    } catch (err) {
      const e = describeError(err);
      fill(this.result, h('span', { class: 'issue', 'data-testid': 'ticket-status', 'data-status': 'ERROR' }, e.code));
      this.deps.showError(e);
    } finally {
      this.submit.disabled = false;
    }
  }
}
