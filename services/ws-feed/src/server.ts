/**
 * The WebSocket endpoint: upgrades (refused with 503 past MAX_CLIENTS), one FeedConnection per
 * socket, requests handled in order per connection, the heartbeat, and clean-up on close.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import {
  CLOSE_CODES,
  type ClientRequest,
  type FeedErrorCode,
  type RequestId,
  type SubscriptionSpec,
} from '@exchange/market-data';
import type { Logger } from '@exchange/service-kit';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { AccountFeeds } from './accounts';
import { BinanceSession } from './binance/session';
import { streamsFromUrl } from './binance/streams';
import type { FeedAuthenticator } from './auth';
import type { WsFeedConfig } from './config';
import { FeedConnection, subscriptionKey, type ConnectionLimits } from './connection';
import type { MarketRegistry } from './markets';
import type { FeedMetrics } from './metrics';
import { parseRequest, type ParsedRequest } from './requests';

export interface FeedServerDeps {
  config: WsFeedConfig;
  markets: MarketRegistry;
  accounts: AccountFeeds;
  auth: FeedAuthenticator;
  metrics: FeedMetrics;
  log: Logger;
}

export class FeedServer {
  readonly http: Server;
  readonly wss: WebSocketServer;
  readonly connections = new Set<FeedConnection>();
  private readonly limits: ConnectionLimits;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly deps: FeedServerDeps) {
    const c = deps.config;
    this.limits = {
      maxBufferedBytes: c.MAX_BUFFERED_BYTES,
      slowCloseGraceMs: c.SLOW_CLOSE_GRACE_MS,
      maxSubscriptions: c.MAX_SUBSCRIPTIONS,
      inboundRatePerSec: c.INBOUND_RATE_PER_SEC,
      inboundBurst: c.INBOUND_BURST,
      coalesceWrites: c.WRITE_COALESCING,
    };
    this.http = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'application/json', upgrade: 'websocket' });
      res.end('{"code":"UPGRADE_REQUIRED","message":"connect with WebSocket"}');
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: c.MAX_PAYLOAD_BYTES,
      perMessageDeflate: c.PER_MESSAGE_DEFLATE,
      clientTracking: false,
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.heartbeat = setInterval(() => this.beat(), c.PING_INTERVAL_MS);
    this.heartbeat.unref();
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => resolve());
    });
    return (this.http.address() as AddressInfo).port;
  }

  /** Closes every connection with 1001 (going away) and stops listening. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const c of this.connections) c.close(CLOSE_CODES.goingAway, 'server shutting down');
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.connections.size >= this.deps.config.MAX_CLIENTS) {
      this.deps.metrics.drops.capacity++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const conn = new FeedConnection(ws, req.socket.remoteAddress ?? '', this.limits, this.deps.metrics);
    this.connections.add(conn);
    // Binance-style paths speak Binance's protocol; any other path speaks ours.
    const binance = streamsFromUrl(req.url ?? '/');
    if (binance) {
      const session = new BinanceSession(conn, binance.combined, this.deps.markets, this.limits.maxSubscriptions);
      conn.binance = session;
      conn.queue = conn.queue.then(() => session.open(binance.names));
    }
    this.deps.metrics.clients = this.connections.size;
    ws.on('pong', () => (conn.alive = true));
    ws.on('message', (data: RawData, isBinary: boolean) => this.onFrame(conn, data, isBinary));
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.deps.metrics.drops.too_big++;
      this.deps.log.debug({ err, client: conn.id }, 'client socket error');
    });
    ws.on('close', () => {
      conn.closing = true;
      this.connections.delete(conn);
      this.deps.metrics.clients = this.connections.size;
      conn.queue = conn.queue
        .then(() => (conn.binance ? conn.binance.close() : this.dropAll(conn)))
        .catch((err: unknown) => this.deps.log.error({ err }, 'clean-up failed'));
    });
  }

  private beat(): void {
    for (const conn of this.connections) {
      if (conn.closing) continue; // its close has its own deadline (SLOW_CLOSE_GRACE_MS)
      if (!conn.alive) {
        this.deps.metrics.drops.heartbeat++;
        conn.terminate();
        continue;
      }
      conn.alive = false;
      if (conn.ws.readyState === conn.ws.OPEN) conn.ws.ping();
    }
  }

  private onFrame(conn: FeedConnection, data: RawData, isBinary: boolean): void {
    if (conn.closing) return;
    conn.alive = true;
    if (!conn.admitInbound()) {
      this.deps.metrics.drops.rate_limited++;
      conn.close(CLOSE_CODES.rateLimited, 'inbound message rate exceeded');
      return;
    }
    const session = conn.binance;
    if (session) {
      conn.queue = conn.queue
        .then(() => session.onText(data.toString()))
        .catch((err: unknown) => this.deps.log.error({ err, client: conn.id }, 'binance request failed'));
      return;
    }
    const parsed: ParsedRequest = isBinary
      ? { ok: false, message: 'send JSON text frames' }
      : parseRequest(data.toString());
    // Refusals go through the queue too, so replies keep the order of the requests.
    if (!parsed.ok) {
      conn.queue = conn.queue.then(() => this.error(conn, parsed.id, 'BAD_REQUEST', parsed.message));
      return;
    }
    const request = parsed.request;
    conn.queue = conn.queue
      .then(() => this.handle(conn, request))
      .catch((err: unknown) => {
        this.deps.log.error({ err, client: conn.id }, 'request failed');
        this.error(conn, request.id, 'INTERNAL', 'internal error');
      });
  }

  private error(conn: FeedConnection, id: RequestId | undefined, code: FeedErrorCode, message: string): void {
    conn.sendMessage(id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message });
  }

  private async handle(conn: FeedConnection, req: ClientRequest): Promise<void> {
    if (conn.closing) return;
    switch (req.op) {
      case 'ping':
        conn.sendMessage({ type: 'pong', id: req.id, time: Date.now() });
        return;
      case 'auth': {
        if (conn.accountId !== null) return this.error(conn, req.id, 'BAD_REQUEST', 'already authenticated');
        const r = await this.deps.auth.authenticate(req, conn.ip);
        if (!r.ok) return this.error(conn, req.id, 'AUTH_FAILED', r.message);
        conn.accountId = r.accountId;
        conn.sendMessage({ type: 'authenticated', id: req.id, accountId: r.accountId });
        return;
      }
      case 'subscribe':
        return this.subscribe(conn, specOf(req), req.id);
      case 'unsubscribe': {
        const spec = specOf(req);
        const existing = conn.subscriptions.get(subscriptionKey(spec));
        if (existing) await this.drop(conn, existing);
        conn.sendMessage({ type: 'unsubscribed', id: req.id, ...spec });
      }
    }
  }

  /** Subscribing again to the same channel replaces the subscription (and re-sends the snapshot). */
  private async subscribe(conn: FeedConnection, spec: SubscriptionSpec, id: RequestId | undefined): Promise<void> {
    const key = subscriptionKey(spec);
    const existing = conn.subscriptions.get(key);
    if (!existing && !conn.canSubscribe()) {
      return this.error(
        conn,
        id,
        'TOO_MANY_SUBSCRIPTIONS',
        `at most ${this.deps.config.MAX_SUBSCRIPTIONS} subscriptions per connection`,
      );
    }
    if (spec.channel === 'private') {
      if (conn.accountId === null) return this.error(conn, id, 'UNAUTHENTICATED', 'send an auth request first');
      if (!existing) await this.deps.accounts.add(conn.accountId, conn);
      if (conn.closing) return;
      conn.subscriptions.set(key, spec);
      conn.sendMessage({ type: 'subscribed', id, ...spec });
      return;
    }
    const feed = await this.deps.markets.get(spec.market);
    if (!feed) return this.error(conn, id, 'UNKNOWN_MARKET', `no market ${spec.market}`);
    if (spec.channel === 'candles' && !feed.hasInterval(spec.interval)) {
      return this.error(conn, id, 'BAD_REQUEST', `interval ${spec.interval} is not served`);
    }
    if (conn.closing) return;
    if (existing) await this.drop(conn, existing);
    conn.subscriptions.set(key, spec);
    conn.sendMessage({ type: 'subscribed', id, ...spec });
    switch (spec.channel) {
      case 'book':
        return feed.addBook(conn, spec.depth ?? 0);
      case 'trades':
        return feed.addTrades(conn);
      case 'ticker':
        return feed.addTicker(conn);
      case 'candles':
        return feed.addCandles(conn, spec.interval);
    }
  }

  private async drop(conn: FeedConnection, spec: SubscriptionSpec): Promise<void> {
    conn.subscriptions.delete(subscriptionKey(spec));
    if (spec.channel === 'private') {
      if (conn.accountId !== null) await this.deps.accounts.remove(conn.accountId, conn);
      return;
    }
    const feed = await this.deps.markets.get(spec.market);
    if (!feed) return;
    switch (spec.channel) {
      case 'book':
        return feed.removeBook(conn, spec.depth ?? 0);
      case 'trades':
        return feed.removeTrades(conn);
      case 'ticker':
        return feed.removeTicker(conn);
      case 'candles':
        return feed.removeCandles(conn, spec.interval);
    }
  }

  private async dropAll(conn: FeedConnection): Promise<void> {
    for (const spec of [...conn.subscriptions.values()]) await this.drop(conn, spec);
  }
}

function specOf(req: ClientRequest & { op: 'subscribe' | 'unsubscribe' }): SubscriptionSpec {
  const { op: _op, id: _id, ...spec } = req;
  return spec as SubscriptionSpec;
}
