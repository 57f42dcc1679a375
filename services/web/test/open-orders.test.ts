import type { FeedServerMessage } from '@exchange/client';
import { applyOrderUpdates, type OpenOrder } from '../app/core/open-orders';
import { depthCurves } from '../app/core/depth';
import { describeError } from '../app/core/errors';
import { ExchangeApiError } from '@exchange/client';

type OrdersMessage = Extract<FeedServerMessage, { type: 'orders' }>;
const base = { seq: 1, ts: 0, commandId: 'c' };
const msg = (updates: OrdersMessage['updates']): OrdersMessage => ({
  type: 'orders',
  market: 'BTCUSDT',
  accountId: 1,
  updates,
});

describe('open orders from the private channel', () => {
  test('accepted resting orders appear, fills add up exactly, amends change terms, done removes', () => {
    let open: Map<number, OpenOrder> = new Map();
    open = applyOrderUpdates(
      open,
      msg([
        {
          ...base,
          kind: 'accepted',
          orderId: 5,
          side: 'buy',
          orderType: 'limit',
          price: '100',
          qty: '0.3',
          tif: 'GTC',
          postOnly: false,
          stp: 'none',
        },
        {
          ...base,
          kind: 'accepted',
          orderId: 6,
          side: 'buy',
          orderType: 'market',
          qty: '1',
          tif: 'IOC',
          postOnly: false,
          stp: 'none',
        },
        { ...base, kind: 'fill', orderId: 5, tradeId: 1, price: '100', qty: '0.1', side: 'buy', liquidity: 'maker' },
        { ...base, kind: 'fill', orderId: 5, tradeId: 2, price: '100', qty: '0.1', side: 'buy', liquidity: 'maker' },
      ]),
    );
    expect([...open.keys()]).toEqual([5]);
    expect(open.get(5)?.filled).toBe('0.2'); // not 0.20000000000000001
    open = applyOrderUpdates(
      open,
      msg([{ ...base, kind: 'amended', orderId: 5, price: '101', qty: '0.5', remaining: '0.3', keptPriority: false }]),
    );
    expect(open.get(5)).toMatchObject({ price: '101', qty: '0.5' });
    open = applyOrderUpdates(open, msg([{ ...base, kind: 'done', orderId: 5, reason: 'canceled', filled: '0.2' }]));
    expect(open.size).toBe(0);
  });
});

describe('depth curves and error texts', () => {
  test('cumulative depth per side, best first', () => {
    const d = depthCurves({
      bids: [
        ['10', '1'],
        ['9', '2'],
      ],
      asks: [
        ['11', '0.5'],
        ['12', '1.5'],
      ],
    });
    expect(d.bids).toEqual([
      { price: 10, cumulative: 1 },
      { price: 9, cumulative: 3 },
    ]);
    expect(d.asks.map((p) => p.cumulative)).toEqual([0.5, 2]);
  });

  test('API errors show their code and a sentence', () => {
    const e = describeError(new ExchangeApiError(400, 'INSUFFICIENT_FUNDS', 'cannot lock 300 USDT'));
    expect(e.code).toBe('INSUFFICIENT_FUNDS');
    expect(e.text).toContain('Not enough available balance');
    expect(e.text).toContain('cannot lock 300 USDT');
    const limited = describeError(new ExchangeApiError(429, 'RATE_LIMITED', 'slow down', {}, { 'retry-after': '3' }));
    expect(limited.text).toContain('Retry in 3 s');
    expect(describeError(new TypeError('Failed to fetch')).code).toBe('NETWORK');
  });
});
