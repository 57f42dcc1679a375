import type { Response } from 'express';
import type { Fill, Order, OrderResult } from '@exchange/client';
import type { EngineEvent } from '@exchange/protocol';
import { ERROR_STATUS, type ErrorCode } from '../errors';
import type { MarketEntry } from '../markets/registry';
import { applyEvent, toApiFill, toApiOrder, type OrderState } from './order-state';

/** What a route answers: the status and the JSON body (an error body too, so it can be stored for idempotency). */
export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Streams the response instead of sending `body` as JSON (the audit line records `body`). */
  stream?: (res: Response) => Promise<void>;
}

/** Book reasons that the gateway names differently so one thing has one code. */
const RENAMED: Record<string, ErrorCode> = { UNKNOWN_ORDER: 'ORDER_NOT_FOUND' };

/** A refusal as a stored-able result: the documented status of the code, 400 for a code we do not know. */
export function errorResult(reason: string, message: string, details: Record<string, unknown> = {}): RouteResult {
  const code = RENAMED[reason] ?? reason;
  const status = (ERROR_STATUS as Record<string, number>)[code] ?? 400;
  return { status, body: { code, message, details } };
}

/** The first rejection among a command's events, as an error result. */
export function rejectionOf(events: EngineEvent[]): RouteResult | null {
  const r = events.find((e) => e.type === 'rejected');
  if (!r || r.type !== 'rejected') return null;
  const details: Record<string, unknown> = {};
  if (r.orderId !== undefined) details.orderId = r.orderId;
  if (r.clientOrderId !== undefined) details.clientOrderId = r.clientOrderId;
  if (r.field !== undefined) details.field = r.field;
  return errorResult(r.reason, `the ${r.command} was rejected: ${r.reason}`, details);
}

/**
 * The order `orderId` after the command's events, starting from what the read model knew (or
 * nothing, for a new order), with the fills those events gave it.
 */
export function foldOrder(
  market: MarketEntry,
  orderId: number,
  known: OrderState | null,
  events: EngineEvent[],
): { order: OrderState | null; fills: Fill[] } {
  const orders = new Map<number, OrderState>();
  if (known) orders.set(orderId, { ...known });
  const fills: Fill[] = [];
  for (const e of events) {
    for (const f of applyEvent(orders, market, e)) if (f.orderId === orderId) fills.push(toApiFill(f, market));
  }
  return { order: orders.get(orderId) ?? null, fills };
}

export function orderResult(market: MarketEntry, order: OrderState, fills: Fill[]): OrderResult {
  return { ...toApiOrder(order, market), fills };
}

/** An order whose outcome is not known yet (202): what the request said, status PENDING. */
export function pendingOrder(base: Partial<Order> & { orderId: number; market: string }): OrderResult {
  return {
    clientOrderId: null,
    side: null,
    type: null,
    tif: null,
    postOnly: null,
    stp: null,
    price: null,
    stopPrice: null,
    qty: null,
    quoteQty: null,
    displayQty: null,
    filled: '0',
    fee: '0',
    rejectReason: null,
    createdAt: null,
    updatedAt: null,
    ...base,
    status: 'PENDING',
    fills: [],
  };
}
