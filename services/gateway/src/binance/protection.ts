/**
 * A bound for a market order Binance would accept without one (a buy sized in base, a sell sized
 * in quote): the lock stage must know the most it can cost (ADR 0031). The bound is the price of
 * the level of the current book that covers the size (the worst level there is when none does),
 * so the order takes what the book offers now; if the book moves away before it arrives, the
 * remainder expires as any IOC remainder does. Integer units only.
 */
import type { Side } from '@exchange/orderbook';
import type { MarketEntry } from '../markets/registry';
import type { MarketData } from '../read/market-data';

const LEVELS = 5000;

/** The bound as a price string; null when the book side is empty; undefined when the size does not parse (the order service then refuses it with its code). */
export async function protectionPrice(
  marketData: MarketData,
  m: MarketEntry,
  side: Side,
  size: { qty: string } | { quoteQty: string },
): Promise<string | null | undefined> {
  const u = m.units;
  const bySize = 'qty' in size;
  const target = bySize ? u.parseQty(size.qty, 'qty') : u.parseQuoteQty(size.quoteQty, 'quoteQty');
  if (!target.ok) return undefined;
  const book = await marketData.book(m, LEVELS);
  let covered = 0n;
  let last: string | null = null;
  for (const [price, qty] of side === 'buy' ? book.asks : book.bids) {
    const ticks = u.parsePrice(price);
    const lots = u.parseQty(qty);
    if (!ticks.ok || !lots.ok) continue;
    last = price;
    covered += bySize ? BigInt(lots.value) : BigInt(ticks.value) * BigInt(lots.value);
    if (covered >= BigInt(target.value)) break;
  }
  return last;
}
