/**
 * The web server against real sockets: a plain HTTP server stands in for the gateway and a `ws`
 * server for the feed, so the forwarding is exercised byte for byte (signed targets, bodies,
 * headers, WebSocket frames both ways), plus the pages from memory and the ops endpoints.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '@exchange/service-kit';
import { feedPath } from '../src/proxy';
import { startWebServer, type WebServer } from '../src/server';
import { loadStaticFiles, resolvePage } from '../src/static-files';

const log = createLogger('web-test', 'silent');
let gateway: Server;
let gatewaySeen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
let feed: WebSocketServer;
let feedHttp: Server;
let feedPaths: string[];
let web: WebServer;
let base: string;

const listen = (s: Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  gatewaySeen = [];
  gateway = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      gatewaySeen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/readyz') return void res.writeHead(200).end('{"status":"ready"}');
      res.writeHead(418, { 'content-type': 'application/json', 'x-ratelimit-remaining': '7' });
      res.end(JSON.stringify({ code: 'TEAPOT', message: 'echo', details: { body } }));
    });
  });
  const gatewayPort = await listen(gateway);
  feedPaths = [];
  feedHttp = createServer();
  feed = new WebSocketServer({ server: feedHttp });
  feed.on('connection', (sock, req) => {
    feedPaths.push(req.url!);
    sock.on('message', (m) => sock.send(`echo:${m.toString()}`));
  });
  const feedPort = await listen(feedHttp);

  const dist = mkdtempSync(join(tmpdir(), 'web-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>trader</title>');
  writeFileSync(join(dist, 'admin.html'), '<!doctype html><title>admin</title>');
  writeFileSync(join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
  writeFileSync(join(dist, '.fingerprint'), 'not served');
  web = await startWebServer(
    {
      WEB_PORT: 0,
      WEB_HOST: '127.0.0.1',
      GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
      WS_FEED_URL: `ws://127.0.0.1:${feedPort}`,
    },
    loadStaticFiles(dist),
    log,
  );
  base = `http://127.0.0.1:${web.port}`;
});

afterAll(async () => {
  await web.close();
  feed.close();
  for (const s of [gateway, feedHttp]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

test('pages and assets from memory, with caching headers and a CSP that allows only this origin', async () => {
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>trader</title>');
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.headers.get('cache-control')).toBe('no-cache');
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(await (await fetch(`${base}/admin`)).text()).toContain('<title>admin</title>');
  const asset = await fetch(`${base}/assets/app-abc123.js`);
  expect(asset.headers.get('cache-control')).toContain('immutable');
  const again = await fetch(`${base}/assets/app-abc123.js`, {
    headers: { 'if-none-match': asset.headers.get('etag')! },
  });
  expect(again.status).toBe(304);
  expect((await fetch(`${base}/.fingerprint`)).status).toBe(404);
  expect((await fetch(`${base}/nope`)).status).toBe(404);
  expect(resolvePage('/admin/')).toBe('/admin.html');
});

test('/v1 goes to the gateway unchanged: method, target with its query, body, signing headers; the answer comes back as is', async () => {
  const body = '{"market":"BTCUSDT","side":"buy"}';
  const res = await fetch(`${base}/v1/orders?x=1&y=%2F`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-api-key': 'ak_1',
      'x-signature': 'abc',
      'x-nonce': 'n'.repeat(16),
    },
  });
  expect(res.status).toBe(418);
  expect(res.headers.get('x-ratelimit-remaining')).toBe('7');
  expect(await res.json()).toEqual({ code: 'TEAPOT', message: 'echo', details: { body } });
  const seen = gatewaySeen.find((s) => s.url.startsWith('/v1/orders'))!;
  expect(seen).toMatchObject({ method: 'POST', url: '/v1/orders?x=1&y=%2F', body });
  expect(seen.headers).toMatchObject({ 'x-api-key': 'ak_1', 'x-signature': 'abc', 'x-forwarded-for': '127.0.0.1' });
});

test('/ws is spliced onto the feed (at its root path), frames pass both ways', async () => {
  expect(feedPath('/ws')).toBe('/');
  expect(feedPath('/ws?x=1')).toBe('/?x=1');
  const sock = new WebSocket(`${base.replace('http', 'ws')}/ws`);
  const reply = await new Promise<string>((resolve, reject) => {
    sock.on('open', () => sock.send('{"op":"ping"}'));
    sock.on('message', (m) => resolve(m.toString()));
    sock.on('error', reject);
  });
  sock.close();
  expect(reply).toBe('echo:{"op":"ping"}');
  expect(feedPaths).toEqual(['/']);
  const refused = new WebSocket(`${base.replace('http', 'ws')}/elsewhere`);
  await expect(
    new Promise((resolve, reject) => (refused.on('open', resolve), refused.on('error', reject))),
  ).rejects.toThrow();
});

test('ops endpoints; a gateway that is down is 503 UNAVAILABLE, and not ready', async () => {
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  expect(await (await fetch(`${base}/metrics`)).text()).toContain('web_requests_total');

  const down = await startWebServer(
    { WEB_PORT: 0, WEB_HOST: '127.0.0.1', GATEWAY_URL: 'http://127.0.0.1:1', WS_FEED_URL: 'ws://127.0.0.1:1' },
    new Map(),
    log,
  );
  try {
    const res = await fetch(`http://127.0.0.1:${down.port}/v1/markets`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { code: string }).code).toBe('UNAVAILABLE');
    expect((await fetch(`http://127.0.0.1:${down.port}/readyz`)).status).toBe(503);
  } finally {
    await down.close();
  }
});
