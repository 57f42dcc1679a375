import { ApiError } from '../errors';
import { ok, route, type AnyRoute } from '../http/route';
import { toApiFill, toApiOrder, type OrderState } from '../orders/order-state';
import {
  amendOrderBody,
  clientOrderIdParams,
  fillsQuery,
  historyQuery,
  marketQuery,
  optionalMarketQuery,
  orderIdParams,
  placeOrderBody,
} from '../api/schemas';
import type { GatewayServices } from './services';

const ORDER_RESPONSES = {
  200: 'OrderResult: the order after the engine applied the command, with the fills it made',
  202: 'OrderResult with status PENDING: queued durably, the engine has not answered within the wait',
};

export function orderRoutes(s: GatewayServices): AnyRoute[] {
  /** The order, if it is this account's (another account's is a 404, like an unknown one). */
  const owned = (accountId: number, o: OrderState | null, what: Record<string, unknown>): OrderState => {
    if (!o || o.accountId !== accountId) throw new ApiError('ORDER_NOT_FOUND', 'no such order in this account', what);
    return o;
  };
  const format = async (o: OrderState) => {
    const m = await s.markets.get(o.market);
    if (!m) throw new ApiError('UNKNOWN_MARKET', `unknown market ${o.market}`);
    return toApiOrder(o, m);
  };

  return [
    route({
      method: 'post',
      path: '/v1/orders',
      summary: 'Place an order (limit, market, stop; tif; post-only; STP); waits (bounded) for the outcome',
      tag: 'orders',
      scope: 'trade',
      weight: 1,
      body: placeOrderBody,
      idempotency: 'custom',
      responses: ORDER_RESPONSES,
      admission: 'handler',
      handler: ({ auth, body, idempotency, admission }) =>
        s.orders.place(auth.accountId, body, idempotency, admission ?? undefined),
    }),
    route({
      method: 'post',
      path: '/v1/orders/test',
      summary:
        'Check an order as a place would (schema, market units and filters) without placing it; balances, open orders and duplicates are not looked at',
      tag: 'orders',
      scope: 'trade',
      weight: 1,
      body: placeOrderBody,
      responses: { 200: 'OrderCheck: the order as a place would enqueue it, defaults filled in' },
      handler: async ({ auth, body }) => ok(await s.orders.check(auth.accountId, body)),
    }),
    route({
      method: 'delete',
      path: '/v1/orders',
      summary: "Cancel all of the account's open orders in a market",
      tag: 'orders',
      scope: 'trade',
      weight: 5,
      query: marketQuery,
      idempotency: 'generic',
      responses: { 200: 'CancelAllResult', 202: 'CancelAllResult with pending: true' },
      handler: ({ auth, query }) => s.orders.cancelAll(auth.accountId, query.market),
    }),
    route({
      method: 'get',
      path: '/v1/orders',
      summary: 'Order history, newest first (keyset pages)',
      tag: 'orders',
      scope: 'read',
      weight: 5,
      query: historyQuery,
      responses: { 200: 'Page<Order>' },
      handler: async ({ auth, query }) => {
        const page = await s.reads.history(auth.accountId, query);
        return ok({ items: await Promise.all(page.items.map(format)), nextCursor: page.nextCursor });
      },
    }),
    route({
      method: 'get',
      path: '/v1/orders/open',
      summary: 'Open orders (NEW, PARTIALLY_FILLED; pending stops included)',
      tag: 'orders',
      scope: 'read',
      weight: 3,
      query: optionalMarketQuery,
      responses: { 200: 'Order[]' },
      handler: async ({ auth, query }) =>
        ok(await Promise.all((await s.reads.open(auth.accountId, query.market)).map(format))),
    }),
    route({
      method: 'get',
      path: '/v1/orders/by-client-id/:clientOrderId',
      summary:
        'Look an order up by clientOrderId (its open one first, else the latest): how a timed-out bot reconciles',
      tag: 'orders',
      scope: 'read',
      weight: 1,
      params: clientOrderIdParams,
      query: optionalMarketQuery,
      responses: { 200: 'Order' },
      handler: async ({ auth, params, query }) => {
        const o = await s.reads.byClientId(auth.accountId, params.clientOrderId, query.market);
        return ok(await format(owned(auth.accountId, o, { clientOrderId: params.clientOrderId })));
      },
    }),
    route({
      method: 'delete',
      path: '/v1/orders/by-client-id/:clientOrderId',
      summary: 'Cancel an order by clientOrderId',
      tag: 'orders',
      scope: 'trade',
      weight: 1,
      params: clientOrderIdParams,
      query: marketQuery,
      idempotency: 'generic',
      responses: ORDER_RESPONSES,
      handler: ({ auth, params, query }) =>
        s.orders.cancel(auth.accountId, { clientOrderId: params.clientOrderId, market: query.market }),
    }),
    route({
      method: 'patch',
      path: '/v1/orders/by-client-id/:clientOrderId',
      summary: 'Amend an order by clientOrderId (new price and/or total qty)',
      tag: 'orders',
      scope: 'trade',
      weight: 1,
      params: clientOrderIdParams,
      query: marketQuery,
      body: amendOrderBody,
      idempotency: 'generic',
      responses: ORDER_RESPONSES,
      handler: ({ auth, params, query, body }) =>
        s.orders.amend(auth.accountId, { clientOrderId: params.clientOrderId, market: query.market }, body),
    }),
    route({
      method: 'get',
      path: '/v1/orders/:orderId',
      summary: 'One order of this account',
      tag: 'orders',
      scope: 'read',
      weight: 1,
      params: orderIdParams,
      responses: { 200: 'Order' },
      handler: async ({ auth, params }) =>
        ok(await format(owned(auth.accountId, await s.reads.byId(params.orderId), { orderId: params.orderId }))),
    }),
    route({
      method: 'delete',
      path: '/v1/orders/:orderId',
      summary: 'Cancel an order by id (`market` helps when the read model has not seen the order yet)',
      tag: 'orders',
      scope: 'trade',
      weight: 1,
      params: orderIdParams,
      query: optionalMarketQuery,
      idempotency: 'generic',
      responses: ORDER_RESPONSES,
      handler: ({ auth, params, query }) =>
        s.orders.cancel(auth.accountId, { orderId: params.orderId, market: query.market }),
    }),
    route({
      method: 'patch',
      path: '/v1/orders/:orderId',
      summary: 'Amend an order: a smaller qty at the same price keeps priority; anything else loses it and may trade',
      tag: 'orders',
      scope: 'trade',
      weight: 1,
      params: orderIdParams,
      query: optionalMarketQuery,
      body: amendOrderBody,
      idempotency: 'generic',
      responses: ORDER_RESPONSES,
      handler: ({ auth, params, query, body }) =>
        s.orders.amend(auth.accountId, { orderId: params.orderId, market: query.market }, body),
    }),
    route({
      method: 'get',
      path: '/v1/fills',
      summary: "The account's fills, newest first (keyset pages), with fees",
      tag: 'orders',
      scope: 'read',
      weight: 5,
      query: fillsQuery,
      responses: { 200: 'Page<Fill>' },
      handler: async ({ auth, query }) => {
        const page = await s.reads.fills(auth.accountId, query);
        const items = [];
        for (const f of page.items) {
          const m = await s.markets.get(f.market);
          if (m) items.push(toApiFill(f, m));
        }
        return ok({ items, nextCursor: page.nextCursor });
      },
    }),
  ];
}
