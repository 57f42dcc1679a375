/**
 * The web server: the built pages from memory, `/v1/*` and `/ws` forwarded to the gateway and the
 * feed, and the ops endpoints every service has (`/healthz`, `/readyz`, `/metrics`) on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter } from 'prom-client';
import { createRegistry, type Logger } from '@exchange/service-kit';
import type { WebConfig } from './config';
import { proxyHttp, proxyUpgrade } from './proxy';
import { resolvePage, type StaticFile } from './static-files';

export interface WebServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startWebServer(
  config: Pick<WebConfig, 'WEB_PORT' | 'WEB_HOST' | 'GATEWAY_URL' | 'WS_FEED_URL'>,
  files: Map<string, StaticFile>,
  log: Logger,
): Promise<WebServer> {
  const gateway = new URL(config.GATEWAY_URL);
  const feed = new URL(config.WS_FEED_URL);
  const registry = createRegistry('web');
  const requests = new Counter({
    name: 'web_requests_total',
    help: 'HTTP requests by kind (page, asset, api, ops, not_found) and status class',
    labelNames: ['kind', 'status'],
    registers: [registry],
  });
  const upgrades = new Counter({
    name: 'web_ws_upgrades_total',
    help: 'WebSocket upgrades forwarded',
    registers: [registry],
  });
  const proxyErrors = new Counter({
    name: 'web_proxy_errors_total',
    help: 'forwarded requests the gateway did not answer',
    registers: [registry],
  });

  const send = (res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };

  const gatewayReady = async (): Promise<boolean> => {
    const res = await fetch(new URL('/readyz', gateway), { signal: AbortSignal.timeout(2000) }).catch(() => null);
    return res?.ok === true;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://web');
    const count = (kind: string) =>
      res.once('finish', () => requests.inc({ kind, status: `${Math.trunc(res.statusCode / 100)}xx` }));
    if (url.pathname.startsWith('/v1/')) {
      count('api');
      return proxyHttp(req, res, gateway, (err) => {
        proxyErrors.inc();
        log.warn({ err: err.message, url: req.url }, 'gateway not reachable');
      });
    }
    if (url.pathname === '/healthz') return (count('ops'), send(res, 200, '{"status":"ok"}'));
    if (url.pathname === '/readyz') {
      count('ops');
      void gatewayReady().then((ok) =>
        send(res, ok ? 200 : 503, JSON.stringify({ status: ok ? 'ready' : 'not_ready' })),
      );
      return;
    }
    if (url.pathname === '/metrics') {
      count('ops');
      void registry.metrics().then((text) => send(res, 200, text, { 'content-type': registry.contentType }));
      return;
    }
    const path = resolvePage(url.pathname);
    const file = files.get(path);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      count('not_found');
      return send(res, 404, '{"code":"NOT_FOUND","message":"no such page"}');
    }
    count(path.endsWith('.html') ? 'page' : 'asset');
    const headers = {
      'content-type': file.type,
      etag: file.etag,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      // Everything is bundled: the pages may load nothing from anywhere but here.
      'content-security-policy':
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'",
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === file.etag) return (res.writeHead(304, headers), res.end());
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };

  const server = createServer(handle);
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (!/^\/ws(\/|\?|$)/.test(req.url ?? '')) return socket.destroy();
    upgrades.inc();
    proxyUpgrade(req, socket, head, feed);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.WEB_PORT, config.WEB_HOST, () => resolve());
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
