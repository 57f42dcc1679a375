/**
 * A benchmark client process: opens `count` WebSocket connections, optionally subscribes each to a
 * market's book (the feed) or just connects (the raw baseline), and records, for every message,
 * publish→receive latency from the `ts` embedded by the publisher. Reports over IPC.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const url = process.env.BENCH_URL!;
const count = Number(process.env.BENCH_COUNT);
const market = process.env.BENCH_MARKET ?? '';
const subscribe = process.env.BENCH_SUBSCRIBE === 'true';

/** 0.1 ms buckets up to 10 s, then one overflow bucket. */
const BUCKETS = 100_000;
let hist = new Uint32Array(BUCKETS + 1);
let received = 0;
let lastAt = 0;
let measuring = false;
/** Only messages published at or after this time count. */
let from = Infinity;
let ready = 0;
let closed = 0;
let opened = 0;
let errors = 0;
let lastError = '';
const now = () => performance.timeOrigin + performance.now();
const TS = Buffer.from('"ts":');

function onMessage(data: Buffer): void {
  if (!measuring) return;
  const at = now();
  const i = data.lastIndexOf(TS);
  if (i < 0) return; // an ack or snapshot
  let end = i + TS.length;
  while (end < data.length && data[end] !== 0x2c && data[end] !== 0x7d) end++;
  const ts = Number(data.toString('latin1', i + TS.length, end));
  if (ts < from) return;
  const b = Math.floor((at - ts) * 10);
  hist[b < 0 ? 0 : b > BUCKETS ? BUCKETS : b]!++;
  received++;
  lastAt = at;
}

async function connectAll(): Promise<void> {
  const sub = JSON.stringify({ op: 'subscribe', channel: 'book', market });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      await new Promise<void>((resolve) => {
        const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
        ws.on('error', (err) => {
          errors++;
          lastError = err.message;
          resolve();
        });
        ws.on('close', () => closed++);
        ws.on('open', () => {
          opened++;
          if (!subscribe) {
            ready++;
            resolve();
            return;
          }
          ws.send(sub);
        });
        ws.on('message', (data: Buffer) => {
          // {"type":"snapshot"… : the subscription is live
          if (data[9] === 0x73 && data.includes('"snapshot"')) {
            ready++;
            resolve();
            return;
          }
          onMessage(data);
        });
      });
    }
  };
  await Promise.all(Array.from({ length: 100 }, worker));
}

process.on('message', (m: { type: string; from?: number }) => {
  if (m.type === 'start') {
    from = m.from ?? 0;
    hist = new Uint32Array(BUCKETS + 1);
    received = 0;
    lastAt = 0;
    measuring = true;
  } else if (m.type === 'report') {
    measuring = false;
    const sparse: Array<[number, number]> = [];
    for (let b = 0; b <= BUCKETS; b++) if (hist[b]) sparse.push([b, hist[b]!]);
    process.send!({ type: 'report', received, lastAt, hist: sparse, closed });
  } else if (m.type === 'count') {
    process.send!({ type: 'count', received, closed });
  }
});

const progress = setInterval(
  () => process.env.BENCH_DEBUG && console.error('[clients]', { url, opened, ready, closed, errors, lastError }),
  1000,
);
void connectAll().then(() => {
  clearInterval(progress);
  process.send!({ type: 'ready', ready });
});
