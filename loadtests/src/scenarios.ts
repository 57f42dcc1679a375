/**
 * The k6 scenarios, in Node: the same workload (k6/lib/workload.js), signed by the same code
 * (k6/lib/signing.js), driven by autocannon (HTTP) and ws (WebSocket). Each returns its measured
 * row plus the facts the CI test asserts.
 */
import type autocannon from 'autocannon';
import { signedHeaders } from '../k6/lib/signing.js';
import { amendDown, crossingOrder, MARKET, passiveOrder } from '../k6/lib/workload.js';
import { pick, type ApiKey, type Target } from './api';
import { runHttp, type HttpOutcome } from './http-load';

type Req = autocannon.Request;
type Ctx = object;
/** autocannon: a setupRequest that returns nothing ends the sequence early (back to the first request). */
const SKIP = null as unknown as Req;

/** A signed request built for autocannon (a fresh nonce and signature each time it is sent). */
function signedRequest(req: Req, key: ApiKey, method: string, path: string, body?: object): Req {
  const text = body === undefined ? '' : JSON.stringify(body);
  return { ...req, method: method as Req['method'], path, body: text, headers: signedHeaders(key, method, path, text) };
}

const parse = (body: string): Record<string, unknown> | null => {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
};

/** Place answers by HTTP status and the order's status (or error code): what the engine decided. */
function countStatus(into: Record<string, number>, http: number, body: Record<string, unknown> | null): void {
  const what = `place ${http} ${String(body?.status ?? body?.code ?? '')}`.trim();
  into[what] = (into[what] ?? 0) + 1;
}

export interface LoadOptions {
  durationSec: number;
  connections: number;
}

/** Orders arriving at a paced rate (autocannon overallRate), each crossing the other side. */
export async function orderPlacement(
  t: Target,
  traders: ApiKey[],
  o: LoadOptions & { rate: number },
): Promise<HttpOutcome & { orderIds: number[]; filled: number }> {
  const orderIds: number[] = [];
  let filled = 0;
  const byStatus: Record<string, number> = {};
  const out = await runHttp({
    scenario: `order placement (${o.rate}/s offered)`,
    url: t.rest,
    // One request in flight per connection: with one connection per order/s, answers may take up
    // to a second before the pace falls behind; arrivals it cannot send are reported, not hidden.
    connections: Math.max(o.connections, Math.min(o.rate, 1000)),
    durationSec: o.durationSec,
    overallRate: o.rate,
    requests: [
      {
        setupRequest: (req: Req) => signedRequest(req, pick(traders), 'POST', '/v1/orders', crossingOrder(Math.random)),
        onResponse: (status: number, body: string) => {
          const answer = parse(body);
          const order = status === 200 || status === 202 ? answer : null;
          if (order && Number.isInteger(order.orderId)) orderIds.push(order.orderId as number);
          if (order?.status === 'FILLED' || order?.status === 'PARTIALLY_FILLED') filled++;
          countStatus(byStatus, status, answer);
        },
      },
    ],
  });
  // Like k6's dropped_iterations: arrivals the pace could not send because every connection waited.
  const notSent = Math.max(0, Math.round(o.rate * o.durationSec) - out.requests);
  Object.assign(
    out.notes,
    { accepted: orderIds.length, 'filled at once': filled, 'not sent (behind pace)': notSent },
    byStatus,
  );
  return { ...out, orderIds, filled };
}

/**
 * Trading sessions: place a resting order, amend it, read it, read the book and balances, cancel it.
 * As fast as the connections go, or at `rate` requests/s over all of them (a paced run stays under
 * the rate limits however fast the machine is).
 */
export async function mixedTrading(
  t: Target,
  traders: ApiKey[],
  o: LoadOptions & { rate?: number },
): Promise<HttpOutcome & { placed: number; amended: number; canceled: number }> {
  const n = { placed: 0, amended: 0, canceled: 0 };
  const byStatus: Record<string, number> = {};
  const order = (ctx: Ctx) => ctx as { key: ApiKey; price: string; orderId?: number };
  const requests: Req[] = [
    {
      setupRequest: (req: Req, ctx: Ctx) => {
        const body = passiveOrder(Math.random);
        Object.assign(ctx, { key: pick(traders), price: body.price });
        return signedRequest(req, order(ctx).key, 'POST', '/v1/orders', body);
      },
      onResponse: (status: number, body: string, ctx: Ctx) => {
        const placed = parse(body);
        countStatus(byStatus, status, placed);
        if (status === 200 && placed?.status === 'NEW') {
          order(ctx).orderId = placed.orderId as number;
          n.placed++;
        }
      },
    },
    {
      setupRequest: (req: Req, ctx: Ctx) => {
        const { key, orderId, price } = order(ctx);
        return orderId ? signedRequest(req, key, 'PATCH', `/v1/orders/${orderId}`, amendDown(price)) : SKIP;
      },
      onResponse: (status: number) => void (status === 200 && n.amended++),
    },
    {
      setupRequest: (req: Req, ctx: Ctx) =>
        signedRequest(req, order(ctx).key, 'GET', `/v1/orders/${order(ctx).orderId}`),
    },
    {
      setupRequest: (req: Req, ctx: Ctx) => {
        const ip = order(ctx).key.ip;
        return {
          ...req,
          method: 'GET',
          path: `/v1/markets/${MARKET}/book?depth=10`,
          headers: ip ? { 'X-Forwarded-For': ip } : {},
        };
      },
    },
    { setupRequest: (req: Req, ctx: Ctx) => signedRequest(req, order(ctx).key, 'GET', '/v1/account/balances') },
    {
      setupRequest: (req: Req, ctx: Ctx) =>
        signedRequest(req, order(ctx).key, 'DELETE', `/v1/orders/${order(ctx).orderId}?market=${MARKET}`),
      onResponse: (status: number) => void (status === 200 && n.canceled++),
    },
  ];
  const out = await runHttp({
    scenario: o.rate ? `mixed trading (${o.rate}/s offered)` : 'mixed trading',
    url: t.rest,
    connections: o.connections,
    durationSec: o.durationSec,
    ...(o.rate ? { overallRate: o.rate } : {}),
    requests,
  });
  Object.assign(out.notes, n, byStatus);
  return { ...out, ...n };
}

/** One client address, many keys, as fast as answers come: the per-IP limit must throttle it. */
export async function rateLimitFlood(
  t: Target,
  keys: ApiKey[],
  o: LoadOptions,
): Promise<HttpOutcome & { accepted: number; throttledWithoutRetryAfter: number }> {
  let accepted = 0;
  let throttledWithoutRetryAfter = 0;
  const out = await runHttp({
    scenario: 'rate-limit flood (1 IP)',
    url: t.rest,
    connections: o.connections,
    durationSec: o.durationSec,
    requests: [
      {
        setupRequest: (req: Req) => signedRequest(req, { ...pick(keys), ip: undefined }, 'GET', '/v1/account/balances'),
        onResponse: (
          status: number,
          _body: string,
          _ctx: Ctx,
          headers: Record<string, string | string[] | undefined> = {},
        ) => {
          if (status === 200) accepted++;
          const retryAfter = Number(headers['retry-after']);
          if (status === 429 && !(Number.isInteger(retryAfter) && retryAfter >= 1)) throttledWithoutRetryAfter++;
        },
      },
    ],
  });
  Object.assign(out.notes, {
    keys: keys.length,
    accepted,
    'throttled without Retry-After': throttledWithoutRetryAfter,
  });
  return { ...out, accepted, throttledWithoutRetryAfter };
}
