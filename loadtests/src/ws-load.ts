/**
 * WebSocket subscribers: `clients` connections follow the book (depth 10) and trades of one market
 * while orders arrive at `rate`/s (open model: sent on a timer, never waiting for answers). Each
 * connection checks the book sequence (U/u/pu, k6/lib/workload.js) and measures delivery = receive
 * time − the gateway's `ts` of the command (same machine, same clock).
 */
import WebSocket from 'ws';
import { signedHeaders } from '../k6/lib/signing.js';
import { BookSequence, classify, crossingOrder, MARKET } from '../k6/lib/workload.js';
import { pick, type ApiKey, type Target } from './api';
import { LatencyRecorder, type ScenarioResult } from './stats';

interface Subscriber {
  socket: WebSocket;
  seq: BookSequence;
  messages: number;
  errors: number;
  /** Set before our own close: any other close is a failure. */
  stopping: boolean;
  closedEarly: boolean;
}

export interface WsOutcome extends ScenarioResult {
  subscribers: Array<{ snapshots: number; applied: number; gaps: number; last: number; errors: number }>;
  ordersSent: number;
  orderErrors: number;
}

function subscribe(url: string, latency: LatencyRecorder): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const sub: Subscriber = {
      socket,
      seq: new BookSequence(),
      messages: 0,
      errors: 0,
      stopping: false,
      closedEarly: false,
    };
    socket.once('open', () => {
      socket.send(JSON.stringify({ op: 'subscribe', id: 1, channel: 'book', market: MARKET, depth: 10 }));
      socket.send(JSON.stringify({ op: 'subscribe', id: 2, channel: 'trades', market: MARKET }));
      resolve(sub);
    });
    socket.once('error', reject);
    socket.on('error', () => sub.errors++);
    socket.on('message', (data) => {
      sub.messages++;
      const msg = JSON.parse(String(data)) as { type: string; lastUpdateId: number; pu: number; u: number; ts: number };
      if (msg.type === 'snapshot') sub.seq.snapshot(msg.lastUpdateId);
      else if (msg.type === 'book' && sub.seq.update(msg.pu, msg.u) === 'applied') latency.record(Date.now() - msg.ts);
      else if (msg.type === 'error') sub.errors++;
    });
    socket.on('close', () => {
      if (!sub.stopping) sub.closedEarly = true;
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function wsSubscribers(
  t: Target,
  traders: ApiKey[],
  o: { clients: number; holdSec: number; rate: number },
): Promise<WsOutcome> {
  const latency = new LatencyRecorder();
  const subs: Subscriber[] = [];
  for (let i = 0; i < o.clients; i += 50) {
    const batch = Array.from({ length: Math.min(50, o.clients - i) }, () => subscribe(t.ws, latency));
    subs.push(...(await Promise.all(batch)));
  }
  const deadline = Date.now() + 15_000;
  while (subs.some((s) => s.seq.snapshots === 0) && Date.now() < deadline) await sleep(50);

  let ordersSent = 0;
  let orderErrors = 0;
  const inflight = new Set<Promise<void>>();
  const started = Date.now();
  const before = subs.reduce((n, s) => n + s.messages, 0);
  const stopAt = started + o.holdSec * 1000;
  for (let next = started; next < stopAt; next += 1000 / o.rate) {
    if (next > Date.now()) await sleep(next - Date.now());
    const key = pick(traders);
    const body = JSON.stringify(crossingOrder(Math.random));
    ordersSent++;
    const p = fetch(`${t.rest}/v1/orders`, {
      method: 'POST',
      headers: signedHeaders(key, 'POST', '/v1/orders', body),
      body,
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (classify(res.status) !== 'ok') orderErrors++;
      })
      .catch(() => void orderErrors++)
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  await sleep(1000); // the last updates' delivery
  const seconds = (Date.now() - started) / 1000;
  const received = subs.reduce((n, s) => n + s.messages, 0) - before;
  for (const s of subs) {
    s.stopping = true;
    s.socket.close();
  }

  const problems = subs.reduce((n, s) => n + s.seq.gaps + s.errors + (s.closedEarly ? 1 : 0), 0);
  return {
    scenario: `ws subscribers (${o.clients})`,
    requests: received,
    throttled: 0,
    errors: problems,
    p50: latency.percentile(50),
    p95: latency.percentile(95),
    p99: latency.percentile(99),
    throughput: received / seconds,
    notes: {
      clients: o.clients,
      'orders/s offered': o.rate,
      'orders sent': ordersSent,
      'order errors': orderErrors,
      'book updates applied': subs.reduce((n, s) => n + s.seq.applied, 0),
      seconds: Number(seconds.toFixed(1)),
    },
    subscribers: subs.map((s) => ({
      snapshots: s.seq.snapshots,
      applied: s.seq.applied,
      gaps: s.seq.gaps,
      last: s.seq.last,
      errors: s.errors,
    })),
    ordersSent,
    orderErrors,
  };
}
