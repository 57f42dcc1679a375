/**
 * A trading bot for the chaos test, written the way a careful bot is: every order carries its own
 * clientOrderId and an Idempotency-Key equal to it; a connection error, a timeout, a 5xx, a 429, a
 * 409 IDEMPOTENCY_IN_FLIGHT or a 401 REPLAYED_REQUEST is retried with the same key and body until
 * the gateway answers; any other 4xx is the gateway's decision. It records every acknowledged order (200/201/202 with an order id) with
 * the fault window it was answered in, so the audit can tell lost, duplicated and recovered orders.
 */
import { ExchangeClient, type OrderResult, type PlaceOrderRequest } from '@exchange/client';
import type { Trader } from './traders';

export interface Ack {
  clientOrderId: string;
  orderId: number;
  accountId: number;
  /** HTTP status of the answer that acknowledged it. */
  status: number;
  /** The fault window it was acknowledged in (a retry that straddles a kill counts for that kill). */
  window: string;
  /** Attempts it took (1 = no fault seen). */
  attempts: number;
  /** When the first attempt was sent (ms). */
  firstAttemptAt: number;
  /** When the last attempt was sent (ms): an order the engine stamped earlier was found, not placed, by it. */
  lastAttemptAt: number;
  answeredAt: number;
}

export interface BotStats {
  acks: Ack[];
  /** Orders the gateway refused with a 4xx code (not acknowledged). */
  refused: Map<string, number>;
  /** Failed attempts by kind: connection, timeout, 5xx, in_flight, 429. */
  faults: Map<string, number>;
  cancels: number;
  /** Orders (and cancels) still unanswered after `giveUpMs`: must stay 0. */
  unresolved: string[];
}

export interface BotOptions {
  market: string;
  /** Decimal price the bot trades around, with `spreadTicks` either way. */
  mid: number;
  spreadTicks: number;
  tick: number;
  /** Pause between orders, ms. */
  pauseMs: number;
  /** Give up on one order after this long (the test fails on any unresolved order). */
  giveUpMs: number;
  requestTimeoutMs: number;
  /** The current fault window's label. */
  window: () => string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fetch that gives up on a request after `ms`, as a bot's HTTP client does. */
export function fetchWithTimeout(ms: number): typeof fetch {
  return (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(ms) });
}

/** Deterministic per bot, so a failing run can be read again. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export class Bot {
  readonly stats: BotStats = { acks: [], refused: new Map(), faults: new Map(), cancels: 0, unresolved: [] };
  private stopping = false;
  private n = 0;
  private readonly random: () => number;
  private readonly client: ExchangeClient;
  private readonly resting: number[] = [];

  constructor(
    private readonly trader: Trader,
    private readonly label: string,
    private readonly opts: BotOptions,
    seed: number,
    baseUrl: string,
  ) {
    this.random = rng(seed);
    this.client = new ExchangeClient({ baseUrl, fetch: fetchWithTimeout(opts.requestTimeoutMs) }).withCredentials(
      trader.keyId,
      trader.secret,
    );
  }

  /** Trades until stop(); resolves once the order in hand is answered. */
  async run(): Promise<void> {
    while (!this.stopping) {
      if (this.resting.length > 3 && this.random() < 0.3) await this.cancelOne();
      else await this.placeOne();
      await sleep(this.opts.pauseMs);
    }
  }

  stop(): void {
    this.stopping = true;
  }

  private order(): PlaceOrderRequest {
    const { mid, tick, spreadTicks } = this.opts;
    const side = this.random() < 0.5 ? 'buy' : 'sell';
    const offset = Math.floor(this.random() * (2 * spreadTicks + 1)) - spreadTicks;
    const price = (mid + offset * tick).toFixed(2);
    const qty = (0.1 * (1 + Math.floor(this.random() * 10))).toFixed(1); // ≥ 9.9 USDT: above the min notional
    return { market: this.opts.market, side, type: 'limit', price, qty, clientOrderId: `${this.label}-${++this.n}` };
  }

  private async placeOne(): Promise<void> {
    const body = this.order();
    const cid = body.clientOrderId!;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const sentAt = Date.now();
      const res = await this.client
        .raw<OrderResult & { code?: string }>('POST', '/v1/orders', { body, idempotencyKey: cid })
        .catch((err: unknown) => ({ error: err as Error }));
      if ('status' in res && res.status < 300 && typeof res.body?.orderId === 'number') {
        this.stats.acks.push({
          clientOrderId: cid,
          orderId: res.body.orderId,
          accountId: this.trader.accountId,
          status: res.status,
          window: this.opts.window(),
          attempts: attempt,
          firstAttemptAt: started,
          lastAttemptAt: sentAt,
          answeredAt: Date.now(),
        });
        if (res.status === 202 || res.body.status === 'NEW' || res.body.status === 'PARTIALLY_FILLED') {
          this.resting.push(res.body.orderId);
        }
        return;
      }
      const kind = this.retryable(res);
      if (kind === null) {
        const code = ('status' in res && res.body?.code) || 'UNKNOWN';
        this.stats.refused.set(code, (this.stats.refused.get(code) ?? 0) + 1);
        return;
      }
      this.count(kind);
      if (Date.now() - started > this.opts.giveUpMs) {
        this.stats.unresolved.push(cid);
        return;
      }
      await sleep(kind === 'in_flight' ? 500 : Math.min(100 * attempt, 1000));
    }
  }

  /** Cancels one of its resting orders; a cancel is naturally idempotent, so no key is needed. */
  private async cancelOne(): Promise<void> {
    const orderId = this.resting.splice(Math.floor(this.random() * this.resting.length), 1)[0]!;
    const started = Date.now();
    for (;;) {
      const res = await this.client
        .raw<{ code?: string }>('DELETE', `/v1/orders/${orderId}`)
        .catch((err: unknown) => ({ error: err as Error }));
      const kind = this.retryable(res);
      if (kind === null) {
        this.stats.cancels++;
        return; // 200/202, or it was no longer open (ORDER_NOT_OPEN, UNKNOWN_ORDER): either way done
      }
      this.count(kind);
      if (Date.now() - started > this.opts.giveUpMs) {
        this.stats.unresolved.push(`cancel of ${orderId}`);
        return;
      }
      await sleep(200);
    }
  }

  /** What to retry: null when the gateway gave a definite answer. */
  private retryable(res: { status: number; body?: { code?: string } } | { error: Error }): string | null {
    if ('error' in res) return res.error.name === 'TimeoutError' ? 'timeout' : 'connection';
    if (res.status >= 500) return '5xx';
    if (res.status === 429) return '429';
    if (res.status === 409 && res.body?.code === 'IDEMPOTENCY_IN_FLIGHT') return 'in_flight';
    // The nonce check ran, then Redis crashed before replying and the gateway's client re-sent it:
    // the request was refused before anything was done, so a fresh signature may retry it.
    if (res.status === 401 && res.body?.code === 'REPLAYED_REQUEST') return 'replayed_nonce';
    return null;
  }

  private count(kind: string): void {
    this.stats.faults.set(kind, (this.stats.faults.get(kind) ?? 0) + 1);
  }
}
