/**
 * WebSocket subscribers: SUBSCRIBERS connections each follow the book (depth 10) and the trades of
 * one market for HOLD seconds while orders arrive at RATE/s (open model). Each connection checks
 * the book sequence (U/u/pu) and measures delivery: its receive time minus the gateway's `ts`.
 *
 *   k6 run -e DEMO_KEYS_FILE=$PWD/.data/demo-keys.json -e SUBSCRIBERS=500 -e HOLD=60 loadtests/k6/ws-subscribers.js
 */
import ws from 'k6/ws';
import { Counter, Trend } from 'k6/metrics';
import { config, envInt } from './lib/config.js';
import { createTraders, pick, signed } from './lib/http.js';
import { BookSequence, crossingOrder, MARKET } from './lib/workload.js';

const SUBSCRIBERS = envInt('SUBSCRIBERS', 200);
const HOLD_SECONDS = envInt('HOLD', 60);
const delivery = new Trend('ws_delivery_ms', true);
const messages = new Counter('ws_messages');
const snapshots = new Counter('ws_snapshots');
const bookUpdates = new Counter('ws_book_updates');
const gaps = new Counter('ws_book_gaps');
const wsErrors = new Counter('ws_errors');

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '120s',
  scenarios: {
    subscribers: {
      executor: 'per-vu-iterations',
      exec: 'subscriber',
      vus: SUBSCRIBERS,
      iterations: 1,
      maxDuration: `${HOLD_SECONDS + 30}s`,
    },
    order_flow: {
      executor: 'constant-arrival-rate',
      exec: 'trade',
      startTime: '3s',
      rate: envInt('RATE', 20),
      timeUnit: '1s',
      duration: `${Math.max(1, HOLD_SECONDS - 5)}s`,
      preAllocatedVUs: 10,
      maxVUs: 100,
    },
  },
  thresholds: {
    ws_snapshots: [`count>=${SUBSCRIBERS}`],
    ws_book_updates: ['count>0'],
    ws_book_gaps: ['count==0'],
    ws_errors: ['count==0'],
    ws_delivery_ms: ['p(95)<1000'],
  },
};

export function setup() {
  return { traders: createTraders(config, config.traders) };
}

export function subscriber() {
  const seq = new BookSequence();
  const res = ws.connect(config.wsUrl, {}, (socket) => {
    socket.on('open', () => {
      socket.send(JSON.stringify({ op: 'subscribe', id: 1, channel: 'book', market: MARKET, depth: 10 }));
      socket.send(JSON.stringify({ op: 'subscribe', id: 2, channel: 'trades', market: MARKET }));
      socket.setTimeout(() => socket.close(), HOLD_SECONDS * 1000);
    });
    socket.on('message', (text) => {
      messages.add(1);
      const msg = JSON.parse(text);
      if (msg.type === 'snapshot') {
        snapshots.add(1);
        seq.snapshot(msg.lastUpdateId);
      } else if (msg.type === 'book') {
        const verdict = seq.update(msg.pu, msg.u);
        if (verdict === 'applied') {
          bookUpdates.add(1);
          delivery.add(Date.now() - msg.ts);
        } else if (verdict === 'gap') gaps.add(1);
      } else if (msg.type === 'error') wsErrors.add(1);
    });
    socket.on('error', () => wsErrors.add(1));
  });
  if (!res || res.status !== 101) wsErrors.add(1);
}

/** @param {{ traders: import('./lib/signing.js').ApiKey[] }} data */
export function trade(data) {
  signed(config.baseUrl, pick(data.traders), 'POST', '/v1/orders', crossingOrder(Math.random), 'place');
}
