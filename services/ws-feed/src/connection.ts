import { CLOSE_CODES, type ServerMessage, type SubscriptionSpec } from '@exchange/market-data';
import WebSocket from 'ws';
import type { BinanceSession } from './binance/session';
import type { FeedMetrics } from './metrics';

export interface ConnectionLimits {
  maxBufferedBytes: number;
  slowCloseGraceMs: number;
  maxSubscriptions: number;
  inboundRatePerSec: number;
  inboundBurst: number;
  /** Coalesce the frames a connection gets within one tick into one socket write. */
  coalesceWrites: boolean;
}

/** Text frame, never compressed: the same Buffer goes to every subscriber without a copy. */
const TEXT = { binary: false, compress: false } as const;

/** The key of a subscription within one connection (a book's depth is not part of it). */
export function subscriptionKey(s: SubscriptionSpec): string {
  switch (s.channel) {
    case 'private':
      return 'private';
    case 'candles':
      return `candles:${s.market}:${s.interval}`;
    default:
      return `${s.channel}:${s.market}`;
  }
}

let nextId = 1;

/** The socket under a ws connection (ws exposes no public accessor; `_socket` is stable across ws 8). */
interface Corkable {
  cork(): void;
  uncork(): void;
}
const socketOf = (ws: WebSocket): Corkable | undefined => (ws as unknown as { _socket?: Corkable })._socket;

/**
 * Write coalescing: the first frame a connection gets in a tick corks its socket, and one flush
 * after the tick (process.nextTick, i.e. after every message of the Redis read that is being
 * dispatched) uncorks them all, so the frames of one burst (an engine batch's book, trades and
 * ticker; or a backlog) leave in one writev per client instead of one syscall per frame.
 */
const corked: FeedConnection[] = [];
let flushScheduled = false;
function flushCorked(): void {
  flushScheduled = false;
  for (const c of corked.splice(0)) c.uncork();
}

/** One client: its socket, subscriptions, heartbeat flag, inbound budget and send path. */
export class FeedConnection {
  readonly id = nextId++;
  /** Set by a pong (or any inbound frame); cleared by each heartbeat round. */
  alive = true;
  /** Closing: nothing more is sent. */
  closing = false;
  accountId: number | null = null;
  /** Set on a Binance-style connection (`/ws/…`, `/stream?streams=…`): its requests and streams. */
  binance: BinanceSession | null = null;
  readonly subscriptions = new Map<string, SubscriptionSpec>();
  /** Requests are handled one at a time, in order. */
  queue: Promise<void> = Promise.resolve();
  private corkedSocket: Corkable | null = null;
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    readonly ws: WebSocket,
    readonly ip: string,
    private readonly limits: ConnectionLimits,
    private readonly metrics: FeedMetrics,
  ) {
    this.tokens = limits.inboundBurst;
  }

  /**
   * Sends one frame unless the client is a slow consumer: with more than `maxBufferedBytes` not yet
   * written to its socket, it is closed with 4008 instead (and terminated after a grace period).
   */
  send(frame: Buffer): boolean {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.metrics.drops.slow_consumer++;
      this.close(CLOSE_CODES.slowConsumer, 'slow consumer');
      return false;
    }
    if (this.limits.coalesceWrites && !this.corkedSocket) {
      const socket = socketOf(this.ws);
      if (socket) {
        socket.cork();
        this.corkedSocket = socket;
        corked.push(this);
        if (!flushScheduled) {
          flushScheduled = true;
          process.nextTick(flushCorked);
        }
      }
    }
    this.ws.send(frame, TEXT);
    this.metrics.messagesSent++;
    this.metrics.bytesSent += frame.length;
    return true;
  }

  sendMessage(msg: ServerMessage): boolean {
    return this.send(Buffer.from(JSON.stringify(msg)));
  }

  /** Ends this tick's coalescing (see flushCorked). */
  uncork(): void {
    const socket = this.corkedSocket;
    this.corkedSocket = null;
    socket?.uncork();
  }

  /** Takes one inbound token; false when the client is over its rate. */
  admitInbound(now = Date.now()): boolean {
    const { inboundRatePerSec, inboundBurst } = this.limits;
    this.tokens = Math.min(inboundBurst, this.tokens + ((now - this.refilledAt) * inboundRatePerSec) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  canSubscribe(): boolean {
    return this.subscriptions.size < this.limits.maxSubscriptions;
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.ws.close(code, reason);
    const ws = this.ws;
    setTimeout(() => {
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
    }, this.limits.slowCloseGraceMs).unref();
  }

  terminate(): void {
    this.closing = true;
    this.ws.terminate();
  }
}
