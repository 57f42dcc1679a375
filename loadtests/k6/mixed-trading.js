/**
 * Mixed trading: sessions arrive at a fixed rate (open model); each one places a resting order,
 * amends it, reads it back, reads the book and the balances, and cancels it; a share of sessions
 * also sends an order that trades.
 *
 *   k6 run -e DEMO_KEYS_FILE=$PWD/.data/demo-keys.json -e RATE=30 -e DURATION=60s loadtests/k6/mixed-trading.js
 */
import { config, env, envInt } from './lib/config.js';
import { createTraders, expectations, json, pick, publicGet, signed } from './lib/http.js';
import { amendDown, crossingOrder, MARKET, passiveOrder } from './lib/workload.js';

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '120s',
  scenarios: {
    trading_sessions: {
      executor: 'constant-arrival-rate',
      rate: envInt('RATE', 30),
      timeUnit: '1s',
      duration: env('DURATION', '60s'),
      preAllocatedVUs: envInt('VUS', 50),
      maxVUs: envInt('MAX_VUS', 300),
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:place}': ['p(95)<500'],
    'http_req_duration{name:amend}': ['p(95)<500'],
    'http_req_duration{name:cancel}': ['p(95)<500'],
    'http_req_duration{name:book}': ['p(95)<200'],
    expectations_met: ['rate>0.99'],
  },
};

export function setup() {
  return { traders: createTraders(config, config.traders) };
}

/** @param {{ traders: import('./lib/signing.js').ApiKey[] }} data */
export default function (data) {
  const key = pick(data.traders);
  const base = config.baseUrl;
  const order = passiveOrder(Math.random);
  const placed = signed(base, key, 'POST', '/v1/orders', order, 'place');
  const body = json(placed);
  expectations.add(placed.status === 200 && body !== null && body.status === 'NEW');
  if (placed.status !== 200 || body === null) return;
  const id = body.orderId;

  const amended = signed(base, key, 'PATCH', `/v1/orders/${id}`, amendDown(order.price), 'amend');
  expectations.add(amended.status === 200);
  const read = signed(base, key, 'GET', `/v1/orders/${id}`, undefined, 'get_order');
  expectations.add(read.status === 200 && json(read)?.orderId === id);
  const book = publicGet(base, key.ip, `/v1/markets/${MARKET}/book?depth=10`, 'book');
  expectations.add(book.status === 200 && Array.isArray(json(book)?.bids));
  const balances = signed(base, key, 'GET', '/v1/account/balances', undefined, 'balances');
  expectations.add(balances.status === 200);
  const canceled = signed(base, key, 'DELETE', `/v1/orders/${id}?market=${MARKET}`, undefined, 'cancel');
  expectations.add(canceled.status === 200);
  if (Math.random() < Number(env('TRADE_SHARE', '0.3'))) {
    const trade = signed(base, key, 'POST', '/v1/orders', crossingOrder(Math.random), 'place');
    expectations.add(trade.status === 200 || trade.status === 202);
  }
}
