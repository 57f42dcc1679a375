import { placeTermsOf, type BookEvent } from '@exchange/orderbook';
import type { Command, LockRejectReason } from '@exchange/protocol';
import { MarketBook, type MarketConfig } from './market-book';

export interface MatchResult {
  market: string;
  events: BookEvent[];
}

/**
 * Routes wire commands to their market's book. A command for a market that does not exist is
 * rejected with UNKNOWN_MARKET; as no book exists to number it, that event carries seq 0, outside
 * every book's sequence (the gateway refuses such commands before they reach a stream).
 */
export class Matcher {
  private readonly books = new Map<string, MarketBook>();

  constructor(markets: MarketConfig[] = []) {
    for (const m of markets) this.addMarket(m);
  }

  addMarket(config: MarketConfig): MarketBook {
    if (this.books.has(config.symbol)) throw new Error(`market ${config.symbol} already exists`);
    const book = new MarketBook(config);
    this.books.set(config.symbol, book);
    return book;
  }

  get(symbol: string): MarketBook | undefined {
    return this.books.get(symbol);
  }

  apply(cmd: Command, lockRejected?: LockRejectReason): MatchResult {
    const book = this.books.get(cmd.market);
    if (book) return { market: cmd.market, events: book.apply(cmd, lockRejected) };
    const subject = cmd as { orderId?: number; accountId?: number; clientOrderId?: string };
    return {
      market: cmd.market,
      events: [
        {
          type: 'rejected',
          seq: 0,
          ts: cmd.ts,
          command: cmd.type,
          reason: 'UNKNOWN_MARKET',
          field: 'market',
          orderId: subject.orderId,
          accountId: subject.accountId,
          clientOrderId: subject.clientOrderId,
          ...(cmd.type === 'place' ? placeTermsOf(cmd) : undefined),
        },
      ],
    };
  }
}
