/**
 * The benchmark's baseline: a bare ws server that forwards every message of one Redis channel to
 * every connected client (same Buffer, text frame, no deflate) — no protocol, no book, no checks.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRedis } from '@exchange/service-kit';
import { WebSocketServer, type WebSocket } from 'ws';

const channel = process.env.BENCH_CHANNEL!;
const http = createServer();
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 16_384 });
const clients = new Set<WebSocket>();
wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.on('error', () => undefined);
});
const sub = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench-raw');
sub.on('messageBuffer', (_ch: Buffer, msg: Buffer) => {
  for (const ws of clients) ws.send(msg, { binary: false });
});
void sub.subscribe(channel).then(() => {
  http.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (http.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => process.exit(0));
