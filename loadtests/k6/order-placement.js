/**
 * Order placement under an open model: orders ARRIVE at a fixed rate whether or not earlier ones
 * were answered (ramping-arrival-rate), so a slow exchange shows up as latency and dropped
 * iterations instead of silently lowering the load (coordinated omission).
 *
 *   k6 run -e DEMO_KEYS_FILE=$PWD/.data/demo-keys.json -e RATE=200 -e DURATION=60s loadtests/k6/order-placement.js
 *
 * Every order crosses the other side's resting orders (see workload.js), so most trade. Start the
 * exchange with TRUST_PROXY_HOPS=1 so each trader's X-Forwarded-For is its address.
 */
import { Trend } from 'k6/metrics';
import { config, env, envInt } from './lib/config.js';
import { createTraders, expectations, json, pick, signed } from './lib/http.js';
import { crossingOrder } from './lib/workload.js';

const RATE = envInt('RATE', 200);
const placeLatency = new Trend('place_order_ms', true);

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '120s',
  scenarios: {
    place_orders: {
      executor: 'ramping-arrival-rate',
      startRate: Math.max(1, Math.floor(RATE / 10)),
      timeUnit: '1s',
      preAllocatedVUs: envInt('VUS', 50),
      maxVUs: envInt('MAX_VUS', 500),
      stages: [
        { target: RATE, duration: env('RAMP', '10s') },
        { target: RATE, duration: env('DURATION', '60s') },
      ],
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:place}': ['p(95)<500', 'p(99)<1000'],
    expectations_met: ['rate>0.99'],
    error_requests: ['count<10'],
  },
};

export function setup() {
  return { traders: createTraders(config, config.traders) };
}

/** @param {{ traders: import('./lib/signing.js').ApiKey[] }} data */
export default function (data) {
  const res = signed(config.baseUrl, pick(data.traders), 'POST', '/v1/orders', crossingOrder(Math.random), 'place');
  placeLatency.add(res.timings.duration);
  const body = json(res);
  // 200: the engine's outcome arrived in time; 202: accepted and durable, outcome still pending.
  expectations.add((res.status === 200 || res.status === 202) && body !== null && Number.isInteger(body.orderId));
}
