/**
 * Same-origin forwarding (ADR 0101): `/v1/*` to the gateway and the `/ws` upgrade to a ws-feed node,
 * bytes untouched (the gateway verifies signatures over the request target and body exactly as
 * sent). The browser then talks to one origin only: no CORS, no URLs to configure in the page.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

function forwardedFor(req: IncomingMessage): string {
  const prior = req.headers['x-forwarded-for'];
  const peer = req.socket.remoteAddress ?? '';
  return prior ? `${String(prior)}, ${peer}` : peer;
}

/** Forwards one HTTP request; a gateway that does not answer is the API's own 503 UNAVAILABLE. */
export function proxyHttp(req: IncomingMessage, res: ServerResponse, target: URL, onError: (err: Error) => void): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  headers.host = target.host;
  headers['x-forwarded-for'] = forwardedFor(req);
  const upstream = request(
    { hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    (up) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
      res.writeHead(up.statusCode ?? 502, out);
      up.pipe(res);
    },
  );
  upstream.on('error', (err) => {
    onError(err);
    if (!res.headersSent) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'UNAVAILABLE', message: 'the REST gateway is not reachable', details: {} }));
    } else res.destroy();
  });
  req.pipe(upstream);
}

/** `/ws…` here is `/…` on the feed, whose own paths decide the protocol (`/ws/<stream>` there is Binance's). */
export function feedPath(url: string): string {
  const rest = url.replace(/^\/ws/, '');
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** Splices a WebSocket upgrade onto a TCP connection to the feed: the handshake and every frame pass through. */
export function proxyUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: URL): void {
  const upstream = connect(Number(target.port || 80), target.hostname, () => {
    const lines = [`${req.method ?? 'GET'} ${feedPath(req.url ?? '/ws')} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (name.toLowerCase() === 'host') lines.push(`Host: ${target.host}`);
      else lines.push(`${name}: ${req.rawHeaders[i + 1]!}`);
    }
    lines.push(`X-Forwarded-For: ${forwardedFor(req)}`);
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
    socket.pipe(upstream).pipe(socket);
  });
  const close = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', close);
  socket.on('error', close);
  upstream.on('close', close);
  socket.on('close', close);
}
