/**
 * What the load scenarios send and how they judge answers, pure: shared by the k6 scripts and the
 * Node harness so both run the same workload. Prices and quantities are built as decimal strings
 * from integers (cents, lots), never from floats.
 */

/** The demo market of `./exchange start`: tick 0.01, lot 0.00001, min notional 5. */
export const MARKET = 'BTCUSDT';
/** Mid price in cents, and the band (cents) crossing orders are spread over. */
const MID_CENTS = 6500000;
const BAND_CENTS = 500;
/** 0.001 BTC: ~65 USDT notional, above the minimum; a trader funded below can hold every open order. */
export const ORDER_QTY = '0.001';
/** What each load-test trader is given (whole units; the assets have 8 decimals). */
export const TRADER_FUNDS = { USDT: '10000000', BTC: '1000' };

/**
 * Decimal string of an amount in cents.
 * @param {number} cents non-negative integer
 */
export function centsToPrice(cents) {
  const c = Math.round(cents);
  return `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
}

/**
 * An order that crosses every resting order of the other side: buys at or above the mid, sells at
 * or below it. The book then never holds both sides, so open orders stay few however long it runs,
 * and most orders trade.
 * @param {() => number} random in [0, 1)
 * @param {string} [market]
 */
export function crossingOrder(random, market = MARKET) {
  const buy = random() < 0.5;
  const offset = Math.floor(random() * BAND_CENTS);
  return {
    market,
    side: buy ? 'buy' : 'sell',
    type: 'limit',
    tif: 'GTC',
    price: centsToPrice(buy ? MID_CENTS + offset : MID_CENTS - offset),
    qty: ORDER_QTY,
  };
}

/**
 * A buy far below the mid (10–15 % under it) that rests and never trades: mixed trading amends,
 * reads and cancels it.
 * @param {() => number} random
 * @param {string} [market]
 */
export function passiveOrder(random, market = MARKET) {
  const cents = Math.floor(MID_CENTS * 0.85) + Math.floor(random() * (MID_CENTS * 0.05));
  return { market, side: 'buy', type: 'limit', tif: 'GTC', price: centsToPrice(cents), qty: ORDER_QTY };
}

/**
 * The amend of a passive order: one tick lower (a new price, so it loses priority, still far from the mid).
 * @param {string} price
 */
export function amendDown(price) {
  const [whole, frac = '0'] = price.split('.');
  return { price: centsToPrice(Number(whole) * 100 + Number(frac.padEnd(2, '0')) - 1) };
}

/**
 * A distinct client address per trader, from the IPv6 documentation prefix (RFC 3849): the header
 * value a proxy in front of the gateway would set; nothing is ever sent to it.
 * @param {number} i
 */
export function clientIp(i) {
  return `2001:db8::${(i + 1).toString(16)}`;
}

/**
 * How a scenario counts an answer: 429 is the rate limiter doing its job (throttled), not an error.
 * @param {number} status
 * @returns {'ok' | 'throttled' | 'error'}
 */
export function classify(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429) return 'throttled';
  return 'error';
}

/**
 * Follows one market's book sequence on the feed (Binance-style U/u/pu): a message with
 * `u <= last` is stale and dropped, one with `pu <= last` applies, anything else is a gap.
 */
export class BookSequence {
  constructor() {
    /** Seq the follower is current as of; -1 until the first snapshot. */
    this.last = -1;
    this.snapshots = 0;
    this.applied = 0;
    this.stale = 0;
    this.gaps = 0;
  }

  /** @param {number} lastUpdateId */
  snapshot(lastUpdateId) {
    this.snapshots++;
    this.last = lastUpdateId;
  }

  /**
   * @param {number} pu
   * @param {number} u
   * @returns {'applied' | 'stale' | 'gap' | 'before-snapshot'}
   */
  update(pu, u) {
    if (this.last < 0) return 'before-snapshot';
    if (u <= this.last) {
      this.stale++;
      return 'stale';
    }
    if (pu <= this.last) {
      this.applied++;
      this.last = u;
      return 'applied';
    }
    this.gaps++;
    return 'gap';
  }
}
