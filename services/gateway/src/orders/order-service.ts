import { randomUUID } from 'node:crypto';
import type { CancelAllResult, OrderCheck } from '@exchange/client';
import { parseCommand, type Command, type EngineEvent, type PlaceCommand } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';
import { ApiError } from '../errors';
import {
  checkSamePayload,
  inFlight,
  type IdempotencyContext,
  type IdempotencyRecord,
  type IdempotencyStore,
} from '../http/idempotency';
import type { AdmissionTicket } from '../http/rate-limit';
import type { MarketEntry, MarketRegistry } from '../markets/registry';
import type { OrderReads } from '../read/order-reads';
import type { PlaceOrderBody } from '../api/schemas';
import { enqueueCommand, type OpenOrdersCheck } from './enqueue';
import { OPEN_STATUSES, toApiFill, type OrderState } from './order-state';
import { foldOrder, orderResult, pendingOrder, rejectionOf, type RouteResult } from './outcome';
import type { OutcomeWatcher } from './outcome-watcher';

export interface OrderServiceDeps {
  redis: Redis;
  markets: MarketRegistry;
  watcher: OutcomeWatcher;
  reads: OrderReads;
  idempotency: IdempotencyStore;
  outcomeTimeoutMs: number;
  /** Where the account's open orders are checked before a place, and their cap (ADR 0026). */
  openOrders: (accountId: number) => OpenOrdersCheck;
}

const OPTIONAL_PLACE_FIELDS = ['price', 'qty', 'quoteQty', 'stopPrice', 'displayQty', 'postOnly'] as const;

export type OrderTarget = { orderId: number; market?: string } | { clientOrderId: string; market: string };

/**
 * Ids the gateway generates for orders without one: 32 hex characters, like ccxt's. From
 * randomUUID (122 random bits), which draws on a buffered entropy pool: randomBytes per order
 * cost a getrandom call each (2 % of the gateway's CPU under load).
 */
export function generateClientOrderId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Order entry: validate as the engine will, enqueue atomically (ADR 0002), wait (bounded) for the outcome. */
export class OrderService {
  constructor(private readonly d: OrderServiceDeps) {}

  async market(symbol: string): Promise<MarketEntry> {
    const m = await this.d.markets.get(symbol);
    if (!m) throw new ApiError('UNKNOWN_MARKET', `unknown market ${symbol}`, { market: symbol });
    return m;
  }

  /**
   * With an admission ticket (the REST route, ADR 0025) the request's rate limit and replay guard
   * run in the enqueue's own Redis step; a place that stops before it leaves the ticket to the router.
   */
  async place(
    accountId: number,
    req: PlaceOrderBody,
    idem: IdempotencyContext | null,
    admission?: AdmissionTicket,
  ): Promise<RouteResult> {
    const m = await this.market(req.market);
    const command = this.placeCommand(accountId, m, req);

    if (idem) {
      const existing = await this.d.idempotency.get(idem);
      if (existing) return this.replayPlace(m, accountId, existing, idem);
    }
    const { orderId: _placeholder, ...unnumbered } = command;
    const openOrders = this.d.openOrders(accountId);
    const waiter = await this.expect(m, command.commandId, req.respType !== 'ack');
    const enq = await enqueueCommand(this.d.redis, unnumbered, {
      idem: idem ? { ctx: idem, ttlMs: this.d.idempotency.ttlMs } : undefined,
      admission,
      openOrders,
    }).catch((err: unknown) => {
      waiter?.cancel();
      throw err;
    });
    if (!enq.enqueued) {
      waiter?.cancel();
      if ('existing' in enq) return this.replayPlace(m, accountId, enq.existing, idem!);
      if (enq.refused === 'DUPLICATE_CLIENT_ORDER_ID') {
        throw new ApiError('DUPLICATE_CLIENT_ORDER_ID', 'an open order already has this clientOrderId', {
          clientOrderId: command.clientOrderId,
        });
      }
      throw new ApiError('TOO_MANY_OPEN_ORDERS', `at most ${openOrders.cap} open orders per account`, {
        open: enq.open,
      });
    }
    const orderId = enq.orderId!;
    const events = waiter ? await waiter.outcome : null;
    const result = this.placeOutcome(m, orderId, command, events);
    if (idem) await this.d.idempotency.complete(idem, result.status, result.body);
    return result;
  }

  /**
   * POST /v1/orders/test and Binance's order/test: the checks a place runs before it reads any
   * state (the command schema, the market's units and size filters), nothing enqueued. Balances,
   * open orders and clientOrderId duplicates are not looked at.
   */
  async check(accountId: number, req: PlaceOrderBody): Promise<OrderCheck> {
    const command = this.placeCommand(accountId, await this.market(req.market), req);
    return { ...orderFields(command), clientOrderId: req.clientOrderId ?? null };
  }

  async cancel(accountId: number, target: OrderTarget): Promise<RouteResult> {
    const { market, known } = await this.locate(accountId, target);
    const command = { type: 'cancel' as const, ...this.base(market, accountId), ...this.targetFields(target) };
    return this.orderCommand(market, command, known, target);
  }

  async amend(accountId: number, target: OrderTarget, change: { price?: string; qty?: string }): Promise<RouteResult> {
    const { market, known } = await this.locate(accountId, target);
    const command = {
      type: 'amend' as const,
      ...this.base(market, accountId),
      ...this.targetFields(target),
      ...change,
    };
    this.validate(market, command);
    return this.orderCommand(market, command, known, target);
  }

  async cancelAll(accountId: number, symbol: string): Promise<RouteResult> {
    const m = await this.market(symbol);
    const command = { type: 'cancel_all' as const, ...this.base(m, accountId) };
    const events = await this.send(m, command);
    // Nothing open is a success with nothing canceled; any other refusal (a halted market) is an error.
    const refused = events?.find((e) => e.type === 'rejected' && e.reason !== 'NO_OPEN_ORDERS');
    if (refused) return rejectionOf([refused])!;
    const body: CancelAllResult = {
      market: m.symbol,
      canceledOrderIds: (events ?? []).flatMap((e) =>
        e.type === 'done' && e.accountId === accountId ? [e.orderId] : [],
      ),
      pending: events === null,
    };
    return { status: events === null ? 202 : 200, body };
  }

  /** halt / resume: admin commands for a whole market. */
  async marketCommand(symbol: string, type: 'halt' | 'resume'): Promise<RouteResult> {
    const m = await this.market(symbol);
    const events = await this.send(m, { type, commandId: randomUUID(), market: m.symbol, ts: Date.now() });
    if (events) {
      const rejected = rejectionOf(events);
      if (rejected) return rejected;
    }
    const status = type === 'halt' ? 'halted' : 'trading';
    return { status: events ? 200 : 202, body: { market: m.symbol, status, pending: events === null } };
  }

  // ---- internals ----

  /** The place command for a request (orderId a placeholder the enqueue script replaces), or the 400 refusing it. */
  private placeCommand(accountId: number, m: MarketEntry, req: PlaceOrderBody): PlaceCommand {
    const marketish = req.type === 'market' || req.type === 'stop_market';
    const candidate: Record<string, unknown> = {
      type: 'place',
      commandId: randomUUID(),
      market: req.market,
      ts: Date.now(),
      accountId,
      orderId: 1,
      clientOrderId: req.clientOrderId ?? generateClientOrderId(),
      side: req.side,
      orderType: req.type,
      tif: req.tif ?? (marketish ? 'IOC' : 'GTC'),
      stp: req.stp ?? 'cancel_oldest',
    };
    // optional fields only when given: a command with no undefined values takes parseCommand's fast check
    for (const k of OPTIONAL_PLACE_FIELDS) if (req[k] !== undefined) candidate[k] = req[k];
    const parsed = parseCommand(candidate);
    if (!parsed.success) throw new ApiError('VALIDATION_FAILED', 'invalid order', { issues: parsed.error.issues });
    const command = parsed.data as PlaceCommand; // type 'place' is the schema's discriminator
    this.validate(m, command);
    return command;
  }

  private base(m: MarketEntry, accountId: number) {
    return { commandId: randomUUID(), market: m.symbol, ts: Date.now(), accountId };
  }

  private targetFields(t: OrderTarget): { orderId?: number; clientOrderId?: string } {
    return 'orderId' in t ? { orderId: t.orderId } : { clientOrderId: t.clientOrderId };
  }

  /** Throws the units code (400) when the market cannot represent a value: what the engine would reject. */
  private validate(m: MarketEntry, command: Command): void {
    try {
      m.validator.toBookCommand(command);
    } catch (err) {
      const refusal = (err as { refusal?: { code: string; field: string; message?: string } }).refusal;
      if (!refusal) throw err;
      throw new ApiError(refusal.code, refusal.message ?? `${refusal.field}: ${refusal.code}`, {
        field: refusal.field,
      });
    }
  }

  /**
   * Where an existing order lives. Another account's order is a 404, exactly as an unknown one;
   * one the read model has not seen yet goes to the engine (when its market is known), which decides.
   */
  private async locate(
    accountId: number,
    target: OrderTarget,
  ): Promise<{ market: MarketEntry; known: OrderState | null }> {
    const known =
      'orderId' in target
        ? await this.d.reads.byId(target.orderId)
        : await this.d.reads.byClientId(accountId, target.clientOrderId, target.market);
    if (known && known.accountId !== accountId) throw notFound(target);
    if (known && !OPEN_STATUSES.includes(known.status)) {
      throw new ApiError('ORDER_NOT_OPEN', `order ${known.orderId} is ${known.status}`, {
        orderId: known.orderId,
        status: known.status,
      });
    }
    const symbol = known?.market ?? target.market;
    if (!symbol) throw notFound(target);
    if (target.market && known && known.market !== target.market) throw notFound(target);
    return { market: await this.market(symbol), known };
  }

  private async orderCommand(
    m: MarketEntry,
    command: Exclude<Command, PlaceCommand>,
    known: OrderState | null,
    target: OrderTarget,
  ): Promise<RouteResult> {
    const events = await this.send(m, command);
    const orderId = known?.orderId ?? ('orderId' in target ? target.orderId : undefined);
    if (events === null) {
      return {
        status: 202,
        body: pendingOrder({ orderId: orderId ?? 0, market: m.symbol, clientOrderId: known?.clientOrderId ?? null }),
      };
    }
    const rejected = rejectionOf(events);
    if (rejected) return rejected;
    const id = orderId ?? firstOrderId(events);
    const { order, fills } = foldOrder(m, id ?? 0, known, events);
    if (!order) return { status: 202, body: pendingOrder({ orderId: id ?? 0, market: m.symbol }) };
    return { status: 200, body: orderResult(m, order, fills) };
  }

  private async expect(m: MarketEntry, commandId: string, wait: boolean) {
    if (!wait || this.d.outcomeTimeoutMs <= 0) return null;
    await this.d.watcher.track(m.symbol);
    return this.d.watcher.expect(m.symbol, commandId, this.d.outcomeTimeoutMs);
  }

  /** Enqueues a non-place command and waits for its events (null on timeout). */
  private async send(m: MarketEntry, command: Exclude<Command, PlaceCommand>): Promise<EngineEvent[] | null> {
    const waiter = await this.expect(m, command.commandId, true);
    await enqueueCommand(this.d.redis, command);
    return waiter ? waiter.outcome : null;
  }

  private placeOutcome(m: MarketEntry, orderId: number, cmd: PlaceCommand, events: EngineEvent[] | null): RouteResult {
    if (events) {
      const rejected = rejectionOf(events);
      if (rejected) return rejected;
      const { order, fills } = foldOrder(m, orderId, null, events);
      if (order) return { status: 200, body: orderResult(m, order, fills) };
    }
    return {
      status: 202,
      body: pendingOrder({ orderId, ...orderFields(cmd) }),
    };
  }

  /** A retry under a known Idempotency-Key: the stored answer, 409 while the first runs, the order's state after. */
  private async replayPlace(
    m: MarketEntry,
    accountId: number,
    rec: IdempotencyRecord,
    idem: IdempotencyContext,
  ): Promise<RouteResult> {
    checkSamePayload(rec, idem);
    if (rec.state === 'done') {
      return {
        status: rec.status ?? 200,
        body: JSON.parse(rec.body ?? 'null'),
        headers: { 'idempotent-replayed': 'true' },
      };
    }
    if (
      rec.state === 'in_flight' ||
      rec.orderId === undefined ||
      Date.now() - rec.at < this.d.outcomeTimeoutMs + 2000
    ) {
      throw inFlight();
    }
    // The first request's process stopped before it stored an answer: the order exists, report it.
    const order = await this.d.reads.byId(rec.orderId);
    if (!order || order.accountId !== accountId) {
      return { status: 202, body: pendingOrder({ orderId: rec.orderId, market: m.symbol }) };
    }
    const fills = await this.d.reads.fills(accountId, { orderId: order.orderId, limit: 500 });
    return {
      status: 200,
      body: orderResult(
        m,
        order,
        fills.items.map((f) => toApiFill(f, m)),
      ),
    };
  }
}

/** A place command's order fields, in the API's names (decimals as sent). */
function orderFields(c: PlaceCommand): OrderCheck {
  return {
    market: c.market,
    clientOrderId: c.clientOrderId ?? null,
    side: c.side,
    type: c.orderType,
    tif: c.tif,
    postOnly: c.postOnly ?? false,
    stp: c.stp,
    price: c.price ?? null,
    stopPrice: c.stopPrice ?? null,
    qty: c.qty ?? null,
    quoteQty: c.quoteQty ?? null,
    displayQty: c.displayQty ?? null,
  };
}

function notFound(target: OrderTarget): ApiError {
  return new ApiError('ORDER_NOT_FOUND', 'no such order in this account', { ...target });
}

function firstOrderId(events: EngineEvent[]): number | undefined {
  for (const e of events) if ('orderId' in e && typeof e.orderId === 'number') return e.orderId;
  return undefined;
}
