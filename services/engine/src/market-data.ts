/**
 * Market data derived from archived events (pure): one batch of applied commands in, the messages
 * for md:{market} and acct:{accountId} out. Decimal strings via the market's units.
 */
import { crc32 } from 'node:zlib';
import type { BookEvent, OrderBook, PriceLevelView } from '@exchange/orderbook';
import type { MarketDataMessage, MdLevel, MdTrade } from '@exchange/protocol';
import type { Market } from '@exchange/units';
import { optBool, optNum, optStr, q } from './codec';
import type { AppliedCommand } from './shard';

export interface MarketDataOut {
  /** JSON messages for md:{market}, in order. */
  md: string[];
  /** [accountId, JSON message] for acct:{accountId}. */
  accounts: Array<[number, string]>;
}

/** Kraken's checksum of the top levels: asks low→high then bids high→low, '.' removed, leading zeros stripped. */
export function bookChecksum(asks: MdLevel[], bids: MdLevel[]): number {
  let s = '';
  for (const level of [...asks, ...bids]) {
    for (const v of level) s += v.replace('.', '').replace(/^0+/, '');
  }
  return crc32(s) >>> 0;
}

export class MarketDataBuilder {
  /** `pu` of the next book message: the last level seq published (or the seq recovered to). */
  private pu: number;

  constructor(
    private readonly market: Market,
    private readonly depth: number,
    startSeq: number,
  ) {
    this.pu = startSeq;
    this.symbolJson = JSON.stringify(market.symbol);
  }

  private level(v: PriceLevelView): MdLevel {
    return [this.price(v.price), this.qty(v.qty)];
  }

  // accumulated since the last finish()
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();
  private U = 0;
  private u = 0;
  private levelTs = 0;
  private lastSeq = 0;
  private lastTs = 0;
  private status: string[] = [];
  private trades: string[] = [];
  private byAccount = new Map<number, string[]>();
  private readonly symbolJson: string;

  /** Takes one applied command's events into the pending messages (as JSON, so nothing big lives long). */
  add(c: AppliedCommand): void {
    const symbol = this.market.symbol;
    for (const e of c.events) {
      this.lastSeq = e.seq;
      this.lastTs = e.ts;
      this.account(e, c.commandId);
      switch (e.type) {
        case 'level':
          if (this.U === 0) this.U = e.seq;
          this.u = e.seq;
          this.levelTs = e.ts;
          (e.side === 'buy' ? this.bids : this.asks).set(e.price, e.qty);
          break;
        case 'trade': {
          const trade: MdTrade = {
            seq: e.seq,
            tradeId: e.tradeId,
            price: this.price(e.price),
            qty: this.qty(e.qty),
            side: e.aggressor,
            ts: e.ts,
          };
          this.trades.push(JSON.stringify(trade));
          break;
        }
        case 'halted':
        case 'resumed':
          this.status.push(
            json({
              type: 'status',
              market: symbol,
              seq: e.seq,
              status: e.type === 'halted' ? 'halted' : 'trading',
              ts: e.ts,
            }),
          );
          break;
        default:
      }
    }
  }

  /** The messages of everything added since the last call; `book` is the book right after it. */
  finish(book: OrderBook): MarketDataOut {
    const symbol = this.market.symbol;
    const md = this.status;
    if (this.U !== 0) {
      const l2 = book.l2(this.depth);
      const top = { asks: l2.asks.map((v) => this.level(v)), bids: l2.bids.map((v) => this.level(v)) };
      const changed = (map: Map<number, number>, desc: boolean): MdLevel[] =>
        [...map.entries()]
          .sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]))
          .map(([p, q]) => [this.price(p), this.qty(q)]);
      md.push(
        json({
          type: 'book',
          market: symbol,
          U: this.U,
          u: this.u,
          pu: this.pu,
          bids: changed(this.bids, true),
          asks: changed(this.asks, false),
          checksum: bookChecksum(top.asks, top.bids),
          depth: this.depth,
          ts: this.levelTs,
        }),
      );
      this.pu = this.u;
    }
    if (this.trades.length > 0)
      md.push(`{"type":"trades","market":${this.symbolJson},"trades":[${this.trades.join(',')}]}`);
    if (this.U !== 0 || this.trades.length > 0) {
      const l1 = book.l1();
      md.push(
        json({
          type: 'ticker',
          market: symbol,
          seq: this.lastSeq,
          last: book.lastPrice === null ? null : this.price(book.lastPrice),
          bid: l1.bid ? this.level(l1.bid) : null,
          ask: l1.ask ? this.level(l1.ask) : null,
          ts: this.lastTs,
        }),
      );
    }
    const accounts: Array<[number, string]> = [];
    for (const [accountId, updates] of this.byAccount) {
      accounts.push([
        accountId,
        `{"type":"orders","market":${this.symbolJson},"accountId":${accountId},"updates":[${updates.join(',')}]}`,
      ]);
    }
    this.bids.clear();
    this.asks.clear();
    this.U = this.u = this.levelTs = 0;
    this.status = [];
    this.trades = [];
    this.byAccount = new Map();
    return { md, accounts };
  }

  /** add() each command, then finish(). */
  build(commands: AppliedCommand[], book: OrderBook): MarketDataOut {
    for (const c of commands) this.add(c);
    return this.finish(book);
  }

  private push(accountId: number | undefined, json: string): void {
    if (accountId === undefined) return;
    const list = this.byAccount.get(accountId);
    if (list) list.push(json);
    else this.byAccount.set(accountId, [json]);
  }

  /** Decimal strings of recent prices and quantities: the same few values recur constantly. */
  private readonly prices = new Map<number, string>();
  private readonly qtys = new Map<number, string>();

  private price(ticks: number): string {
    let s = this.prices.get(ticks);
    if (s === undefined) {
      if (this.prices.size >= FORMAT_CACHE) this.prices.clear();
      this.prices.set(ticks, (s = this.market.formatPrice(ticks)));
    }
    return s;
  }

  private qty(lots: number): string {
    let s = this.qtys.get(lots);
    if (s === undefined) {
      if (this.qtys.size >= FORMAT_CACHE) this.qtys.clear();
      this.qtys.set(lots, (s = this.market.formatQty(lots)));
    }
    return s;
  }

  private optPrice(ticks: number | undefined): string | undefined {
    return ticks === undefined ? undefined : this.price(ticks);
  }

  private optQty(lots: number | undefined): string | undefined {
    return lots === undefined ? undefined : this.qty(lots);
  }

  /**
   * The order update(s) one event means for its account(s), as OrderUpdate JSON written directly
   * (hot path; a test checks it against JSON.stringify of the `OrderUpdate` objects).
   */
  private account(e: BookEvent, commandId: string): void {
    const m = this.market;
    const cid = q(commandId);
    switch (e.type) {
      case 'accepted':
        return this.push(
          e.accountId,
          `{"kind":"accepted","seq":${e.seq},"ts":${e.ts},"commandId":${cid},"orderId":${e.orderId}${optStr('clientOrderId', e.clientOrderId)},"side":"${e.side}"` +
            `,"orderType":"${e.orderType}"${optStr('price', this.optPrice(e.price))}${optStr('qty', this.optQty(e.qty))}` +
            `${optStr('quoteQty', e.quoteQty === undefined ? undefined : m.formatQuoteQty(e.quoteQty))}` +
            `${optStr('stopPrice', this.optPrice(e.stopPrice))}${optStr('displayQty', this.optQty(e.displayQty))}` +
            `,"tif":"${e.tif}","postOnly":${e.postOnly},"stp":"${e.stp}"}`,
        );
      case 'rejected':
        return this.push(
          e.accountId,
          `{"kind":"rejected","seq":${e.seq},"ts":${e.ts},"commandId":${cid},"command":${q(e.command)},"reason":${q(e.reason)}${optStr('field', e.field)}` +
            `${optNum('orderId', e.orderId)}${optStr('clientOrderId', e.clientOrderId)}${optStr('side', e.side)}` +
            `${optStr('orderType', e.orderType)}${optStr('tif', e.tif)}${optBool('postOnly', e.postOnly)}${optStr('stp', e.stp)}}`,
        );
      case 'trade': {
        const fill = `,"tradeId":${e.tradeId},"price":"${this.price(e.price)}","qty":"${this.qty(e.qty)}"`;
        const makerSide = e.aggressor === 'buy' ? 'sell' : 'buy';
        this.push(
          e.makerAccountId,
          `{"kind":"fill","seq":${e.seq},"ts":${e.ts},"commandId":${cid},"orderId":${e.makerOrderId}${fill},"side":"${makerSide}","liquidity":"maker"}`,
        );
        return this.push(
          e.takerAccountId,
          `{"kind":"fill","seq":${e.seq},"ts":${e.ts},"commandId":${cid},"orderId":${e.takerOrderId}${fill},"side":"${e.aggressor}","liquidity":"taker"}`,
        );
      }
      case 'canceled':
        return this.push(
          e.accountId,
          `{"kind":"canceled","seq":${e.seq},"ts":${e.ts},"commandId":${cid},"orderId":${e.orderId},"qty":"${this.qty(e.qty)}"` +
            `${optStr('quoteQty', e.quoteQty === undefined ? undefined : m.formatQuoteQty(e.quoteQty))},"reason":"${e.reason}"}`,
        );
      case 'amended':
        return this.push(
          e.accountId,
          `{"kind":"amended","seq":${e.seq},"ts":${e.ts},"commandId":${cid},"orderId":${e.orderId},"price":"${this.price(e.price)}","qty":"${this.qty(e.qty)}"` +
            `,"remaining":"${this.qty(e.remaining)}","keptPriority":${e.keptPriority}}`,
        );
      case 'done':
        return this.push(
          e.accountId,
          `{"kind":"done","seq":${e.seq},"ts":${e.ts},"commandId":${cid},"orderId":${e.orderId},"reason":"${e.reason}","filled":"${this.qty(e.filled)}"}`,
        );
      case 'triggered':
        return this.push(
          e.accountId,
          `{"kind":"triggered","seq":${e.seq},"ts":${e.ts},"commandId":${cid},"orderId":${e.orderId},"stopPrice":"${this.price(e.stopPrice)}"` +
            `,"lastPrice":"${this.price(e.lastPrice)}"}`,
        );
      default:
    }
  }
}

const FORMAT_CACHE = 4096;
const json = (msg: MarketDataMessage): string => JSON.stringify(msg);
