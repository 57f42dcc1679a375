/** Signed endpoints: account, order (new, test, query, cancel), openOrders, allOrders, myTrades, cancelReplace. */
import type { MarketEntry } from '../markets/registry';
import { BinanceError, err } from './errors';
import { ORDER_PARAMS, type NewOrder } from './orders';
import type { Params } from './params';
import type { Endpoint, EndpointDeps } from './router';

const CANCEL_REPLACE_MODES = ['STOP_ON_FAILURE', 'ALLOW_FAILURE'] as const;

/** orderId or a client order id (`name`), one of them required. */
function orderTarget(p: Params, idName: string, clientName: string): { orderId?: number; clientOrderId?: string } {
  const orderId = p.int(idName, { min: 1, max: Number.MAX_SAFE_INTEGER });
  const clientOrderId = p.clientOrderId(clientName);
  if (orderId === undefined && clientOrderId === undefined) throw err.eitherOf(idName, clientName);
  return orderId !== undefined ? { orderId } : { clientOrderId };
}

const failure = (e: unknown) => {
  if (e instanceof BinanceError) return e.toBody();
  throw e;
};

export function tradeEndpoints(d: EndpointDeps): Endpoint[] {
  const market = async (p: Params): Promise<MarketEntry> => {
    const m = await d.s.markets.get(p.need('symbol'));
    if (!m) throw err.invalidSymbol();
    return m;
  };
  return [
    {
      method: 'get',
      path: '/account',
      scope: 'read',
      weight: 20,
      params: ['omitZeroBalances'],
      handler: async ({ p, auth }) => {
        const omitZero = p.oneOf(
          'omitZeroBalances',
          ['true', 'false'] as const,
          -1130,
          'Invalid data sent for a parameter.',
        );
        const balances = (await d.s.accounts.balances(auth.accountId))
          .map((b) => ({ asset: b.asset, free: b.available, locked: b.locked }))
          .filter((b) => omitZero !== 'true' || b.free !== '0' || b.locked !== '0');
        return {
          canTrade: auth.scopes.includes('trade'),
          canWithdraw: false,
          canDeposit: false,
          brokered: false,
          requireSelfTradePrevention: false,
          preventSor: true,
          updateTime: Date.now(),
          accountType: 'SPOT',
          balances,
          permissions: ['SPOT'],
          uid: auth.accountId,
        };
      },
    },
    {
      method: 'post',
      path: '/order',
      scope: 'trade',
      weight: 1,
      params: ORDER_PARAMS,
      handler: async ({ p, auth }) => {
        const m = await market(p);
        return d.orders.place(auth.accountId, m, await d.orders.parseNewOrder(p, m));
      },
    },
    {
      method: 'post',
      path: '/order/test',
      scope: 'trade',
      weight: (p) => (p.str('computeCommissionRates') === 'true' ? 20 : 1),
      params: [...ORDER_PARAMS, 'computeCommissionRates'],
      handler: async ({ p, auth }) => {
        const m = await market(p);
        const rates = p.oneOf(
          'computeCommissionRates',
          ['true', 'false'] as const,
          -1130,
          'Invalid data sent for a parameter.',
        );
        return d.orders.test(auth.accountId, m, await d.orders.parseNewOrder(p, m, true), rates === 'true');
      },
    },
    {
      method: 'get',
      path: '/order',
      scope: 'read',
      weight: 4,
      params: ['symbol', 'orderId', 'origClientOrderId'],
      handler: async ({ p, auth }) =>
        d.orders.get(auth.accountId, await market(p), orderTarget(p, 'orderId', 'origClientOrderId')),
    },
    {
      method: 'delete',
      path: '/order',
      scope: 'trade',
      weight: 1,
      params: ['symbol', 'orderId', 'origClientOrderId', 'newClientOrderId'],
      handler: async ({ p, auth }) =>
        d.orders.cancel(
          auth.accountId,
          await market(p),
          orderTarget(p, 'orderId', 'origClientOrderId'),
          p.clientOrderId('newClientOrderId'),
        ),
    },
    {
      method: 'get',
      path: '/openOrders',
      scope: 'read',
      weight: (p) => (p.has('symbol') ? 6 : 80),
      params: ['symbol'],
      handler: async ({ p, auth }) => d.orders.open(auth.accountId, p.has('symbol') ? await market(p) : undefined),
    },
    {
      method: 'delete',
      path: '/openOrders',
      scope: 'trade',
      weight: 1,
      params: ['symbol'],
      handler: async ({ p, auth }) => d.orders.cancelAll(auth.accountId, await market(p)),
    },
    {
      method: 'get',
      path: '/allOrders',
      scope: 'read',
      weight: 20,
      params: ['symbol', 'orderId', 'startTime', 'endTime', 'limit'],
      handler: async ({ p, auth }) =>
        d.orders.all(auth.accountId, await market(p), {
          fromOrderId: p.int('orderId', { min: 1, max: Number.MAX_SAFE_INTEGER }),
          startTime: p.int('startTime'),
          endTime: p.int('endTime'),
          limit: p.int('limit', { min: 1, max: 1000 }) ?? 500,
        }),
    },
    {
      method: 'get',
      path: '/myTrades',
      scope: 'read',
      weight: 20,
      params: ['symbol', 'orderId', 'startTime', 'endTime', 'fromId', 'limit'],
      handler: async ({ p, auth }) => {
        const m = await market(p);
        const orderId = p.int('orderId');
        const fromId = p.int('fromId');
        if (orderId !== undefined && fromId !== undefined) {
          throw new BinanceError(-1128, 'Combination of optional parameters invalid.');
        }
        return d.reads.myTrades(auth.accountId, m, {
          orderId,
          fromId,
          startTime: p.int('startTime'),
          endTime: p.int('endTime'),
          limit: p.int('limit', { min: 1, max: 1000 }) ?? 500,
        });
      },
    },
    {
      method: 'post',
      path: '/order/cancelReplace',
      scope: 'trade',
      weight: 1,
      params: [
        ...ORDER_PARAMS,
        'cancelReplaceMode',
        'cancelOrderId',
        'cancelOrigClientOrderId',
        'cancelNewClientOrderId',
      ],
      handler: async ({ p, auth }) => {
        const m = await market(p);
        const mode = p.oneOf('cancelReplaceMode', CANCEL_REPLACE_MODES, -1130, 'Invalid data sent for a parameter.');
        if (!mode) throw err.mandatory('cancelReplaceMode');
        const target = orderTarget(p, 'cancelOrderId', 'cancelOrigClientOrderId');
        const next: NewOrder = await d.orders.parseNewOrder(p, m);
        let cancelResponse: unknown;
        let canceled = true;
        try {
          cancelResponse = await d.orders.cancel(auth.accountId, m, target, p.clientOrderId('cancelNewClientOrderId'));
        } catch (e) {
          cancelResponse = failure(e);
          canceled = false;
        }
        if (!canceled && mode === 'STOP_ON_FAILURE') {
          throw new BinanceError(
            -2022,
            'Order cancel-replace failed.',
            400,
            {},
            {
              cancelResult: 'FAILURE',
              newOrderResult: 'NOT_ATTEMPTED',
              cancelResponse,
              newOrderResponse: null,
            },
          );
        }
        let newOrderResponse: unknown;
        let placed = true;
        try {
          newOrderResponse = await d.orders.place(auth.accountId, m, next);
        } catch (e) {
          newOrderResponse = failure(e);
          placed = false;
        }
        const data = {
          cancelResult: canceled ? 'SUCCESS' : 'FAILURE',
          newOrderResult: placed ? 'SUCCESS' : 'FAILURE',
          cancelResponse,
          newOrderResponse,
        };
        if (canceled && placed) return data;
        if (!canceled && !placed) throw new BinanceError(-2022, 'Order cancel-replace failed.', 400, {}, data);
        throw new BinanceError(-2021, 'Order cancel-replace partially failed.', 409, {}, data);
      },
    },
  ];
}
