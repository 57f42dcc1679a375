import { OrderBook, type BookCommand, type BookConfig, type BookEvent, type BookSnapshot } from '@exchange/orderbook';
import type { Command, LockRejectReason } from '@exchange/protocol';
import { compileMarket, parseAmount, type Market, type MarketSpec } from '@exchange/units';
import { budgetNetOfFee } from './fees';

export interface MarketConfig extends MarketSpec {
  makerFeeBps: number;
  takerFeeBps: number;
  maxOpenOrdersPerAccount?: number;
}

type Refusal = { code: string; field: string };
class Refused {
  constructor(readonly refusal: Refusal) {}
}

/**
 * A market's book behind its units: converts a wire command's decimals into ticks and lots and
 * applies it. A value the market cannot represent, or a lock the balance manager refused, becomes a
 * `rejected` event in the book's own sequence, so every command has exactly one recorded outcome.
 */
export class MarketBook {
  readonly market: Market;
  readonly book: OrderBook;

  constructor(
    readonly config: MarketConfig,
    snapshot?: BookSnapshot,
  ) {
    this.market = compileMarket(config);
    const bookConfig: BookConfig = { symbol: config.symbol };
    if (config.maxOpenOrdersPerAccount !== undefined)
      bookConfig.maxOpenOrdersPerAccount = config.maxOpenOrdersPerAccount;
    this.book = snapshot ? OrderBook.restore(snapshot) : new OrderBook(bookConfig);
  }

  apply(cmd: Command, lockRejected?: LockRejectReason): BookEvent[] {
    if (lockRejected) return this.book.rejectCommand(cmd, lockRejected);
    let converted: BookCommand;
    try {
      converted = this.toBookCommand(cmd);
    } catch (e) {
      if (e instanceof Refused) return this.book.rejectCommand(cmd, e.refusal.code, e.refusal.field);
      throw e;
    }
    return this.book.apply(converted);
  }

  /** The same conversion the gateway runs before enqueueing, so it can answer 400 at once. */
  toBookCommand(cmd: Command): BookCommand {
    switch (cmd.type) {
      case 'place': {
        const price = this.price(cmd.price, 'price');
        const qty = this.qty(cmd.qty, 'qty');
        const quoteQty = this.quoteBudget(cmd.quoteQty);
        const refusal = this.market.checkOrderSize(
          quoteQty !== undefined ? { quoteUnits: quoteQty } : { lots: qty, ticks: price },
        );
        if (refusal) throw new Refused(refusal);
        return {
          type: 'place',
          ts: cmd.ts,
          orderId: cmd.orderId,
          accountId: cmd.accountId,
          clientOrderId: cmd.clientOrderId,
          side: cmd.side,
          orderType: cmd.orderType,
          price,
          qty,
          quoteQty,
          stopPrice: this.price(cmd.stopPrice, 'stopPrice'),
          tif: cmd.tif,
          postOnly: cmd.postOnly,
          displayQty: this.qty(cmd.displayQty, 'displayQty'),
          stp: cmd.stp,
        };
      }
      case 'amend': {
        const price = this.price(cmd.price, 'price');
        const qty = this.qty(cmd.qty, 'qty');
        if (qty !== undefined) {
          const refusal = this.market.checkOrderSize({ lots: qty, ticks: price });
          if (refusal) throw new Refused(refusal);
        }
        const { type, ts, accountId, orderId, clientOrderId } = cmd;
        return { type, ts, accountId, orderId, clientOrderId, price, qty };
      }
      case 'cancel':
        return {
          type: 'cancel',
          ts: cmd.ts,
          accountId: cmd.accountId,
          orderId: cmd.orderId,
          clientOrderId: cmd.clientOrderId,
        };
      case 'cancel_all':
        return { type: 'cancel_all', ts: cmd.ts, accountId: cmd.accountId };
      case 'halt':
      case 'resume':
        return { type: cmd.type, ts: cmd.ts };
    }
  }

  private price(value: string | undefined, field: string): number | undefined {
    if (value === undefined) return undefined;
    const r = this.market.parsePrice(value, field);
    if (!r.ok) throw new Refused(r);
    return r.value;
  }

  private qty(value: string | undefined, field: string): number | undefined {
    if (value === undefined) return undefined;
    const r = this.market.parseQty(value, field);
    if (!r.ok) throw new Refused(r);
    return r.value;
  }

  /** A quote amount becomes a budget net of the maximum taker fee, in whole tick·lot units (ADR 0004). */
  private quoteBudget(value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const r = parseAmount(value, this.market.quote, 'quoteQty');
    if (!r.ok) throw new Refused(r);
    const units = budgetNetOfFee(r.value, this.config.takerFeeBps) / this.market.tickLotMinor;
    if (units < 1n) throw new Refused({ code: 'BELOW_MIN_NOTIONAL', field: 'quoteQty' });
    if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new Refused({ code: 'OUT_OF_RANGE', field: 'quoteQty' });
    return Number(units);
  }
}
