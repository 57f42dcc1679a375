/**
 * Typed client of the exchange's WebSocket feed (services/ws-feed), for Node (pass the `ws`
 * package's class) and browsers (the global WebSocket). It keeps its subscriptions across
 * reconnects (exponential backoff with jitter, rotating through the given URLs), re-authenticates
 * for the private channel, and keeps a LocalBook per book subscription in sync: a gap or checksum
 * mismatch resubscribes, which makes the server send a fresh snapshot.
 */
import {
  WS_AUTH_TARGET,
  type BookSnapshotMessage,
  type CandleInterval,
  type ClientRequest,
  type ServerMessage,
  type SubscriptionSpec,
} from '@exchange/market-data';
import { canonicalString, randomNonce, webCryptoHmac, type HmacSha256Hex } from '../signing';
import { LocalBook } from './local-book';
import { defaultWebSocket, messageText, OPEN, type WebSocketConstructor, type WebSocketLike } from './socket';

export interface FeedClientOptions {
  /** ws://host:port — or several: each reconnect tries the next one. */
  url: string | string[];
  /** The WebSocket class; defaults to globalThis.WebSocket. In Node < 22 pass `require('ws')`. */
  WebSocket?: WebSocketConstructor;
  /** For the private channel. */
  credentials?: { apiKey: string; apiSecret: string };
  hmac?: HmacSha256Hex;
  /** Reconnect backoff; `false` disables reconnecting. */
  reconnect?: false | { initialDelayMs?: number; maxDelayMs?: number; factor?: number; jitter?: number };
  /** Application ping every this many ms; no answer within the next interval closes and reconnects. 0 = off. */
  pingIntervalMs?: number;
  now?: () => number;
}

type EventMap = {
  open: [url: string];
  close: [code: number, reason: string];
  /** Every server message, parsed. */
  message: [ServerMessage];
  /** A LocalBook changed (snapshot or delta applied). */
  book: [LocalBook];
  /** A LocalBook went out of step and is being resynced. */
  resync: [LocalBook, reason: 'gap' | 'checksum_mismatch'];
  /** An `error` reply from the server (bad request, refused subscription, failed auth …). */
  error: [Extract<ServerMessage, { type: 'error' }>];
};
type Listener<K extends keyof EventMap> = (...args: EventMap[K]) => void;

function keyOf(s: SubscriptionSpec): string {
  if (s.channel === 'private') return 'private';
  if (s.channel === 'candles') return `candles:${s.market}:${s.interval}`;
  return `${s.channel}:${s.market}`;
}

export class FeedClient {
  private ws: WebSocketLike | null = null;
  private readonly urls: string[];
  private urlIndex = 0;
  private attempt = 0;
  private closedByUser = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private awaitingPong = false;
  private readonly subscriptions = new Map<string, SubscriptionSpec>();
  private readonly books = new Map<string, LocalBook>();
  private readonly listeners = new Map<keyof EventMap, Set<unknown>>();
  private readonly Ctor: WebSocketConstructor;
  /** Connections opened so far (1 after the first, +1 per reconnect). */
  connections = 0;

  constructor(private readonly opts: FeedClientOptions) {
    this.urls = Array.isArray(opts.url) ? opts.url : [opts.url];
    if (this.urls.length === 0) throw new Error('at least one url');
    this.Ctor = opts.WebSocket ?? defaultWebSocket();
  }

  get connected(): boolean {
    return this.ws?.readyState === OPEN;
  }

  /** The URL of the current (or last) connection. */
  get url(): string {
    return this.urls[this.urlIndex]!;
  }

  on<K extends keyof EventMap>(event: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  private emit<K extends keyof EventMap>(event: K, ...args: EventMap[K]): void {
    const set = this.listeners.get(event);
    if (set) for (const fn of set) (fn as Listener<K>)(...args);
  }

  connect(): void {
    this.closedByUser = false;
    this.open();
  }

  close(): void {
    this.closedByUser = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopPing();
    this.ws?.close(1000, 'client closing');
    this.ws = null;
  }

  /** Subscribes (now if connected, else on connect) and keeps the subscription across reconnects. */
  subscribe(spec: SubscriptionSpec): void {
    this.subscriptions.set(keyOf(spec), spec);
    if (this.connected) this.sendSubscription(spec);
  }

  unsubscribe(spec: SubscriptionSpec): void {
    const key = keyOf(spec);
    this.subscriptions.delete(key);
    this.books.delete(key);
    if (this.connected) this.send({ op: 'unsubscribe', ...spec });
  }

  /** Subscribes to a market's book and returns the LocalBook kept in sync with it. */
  book(market: string, depth: 0 | 10 | 25 | 50 | 100 | 500 | 1000 = 0): LocalBook {
    const spec: SubscriptionSpec = { channel: 'book', market, depth };
    const key = keyOf(spec);
    const existing = this.books.get(key);
    if (existing && existing.depth === depth) return existing;
    const lb = new LocalBook(market, depth);
    this.books.set(key, lb);
    this.subscribe(spec);
    return lb;
  }

  candles(market: string, interval: CandleInterval): void {
    this.subscribe({ channel: 'candles', market, interval });
  }

  private open(): void {
    const url = this.urls[this.urlIndex]!;
    let ws: WebSocketLike;
    try {
      ws = new this.Ctor(url) as WebSocketLike;
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.connections++;
      this.emit('open', url);
      void this.resubscribeAll();
      this.startPing();
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.onMessage(messageText(ev.data));
    };
    ws.onerror = () => undefined;
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopPing();
      for (const b of this.books.values()) b.invalidate();
      this.emit('close', ev.code, ev.reason);
      if (!this.closedByUser) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    const r = this.opts.reconnect;
    if (r === false || this.closedByUser) return;
    const initial = r?.initialDelayMs ?? 250;
    const max = r?.maxDelayMs ?? 10_000;
    const factor = r?.factor ?? 2;
    const jitter = r?.jitter ?? 0.2;
    const base = Math.min(max, initial * factor ** this.attempt);
    const delay = base * (1 - jitter + 2 * jitter * Math.random());
    this.attempt++;
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closedByUser) this.open();
    }, delay);
  }

  private async resubscribeAll(): Promise<void> {
    const specs = [...this.subscriptions.values()];
    if (this.opts.credentials && specs.some((s) => s.channel === 'private')) await this.authenticate();
    for (const s of specs) this.sendSubscription(s);
  }

  /** Sends the auth request; the server handles requests in order, so a subscribe sent next waits for it. */
  private async authenticate(): Promise<void> {
    const c = this.opts.credentials;
    if (!c) return;
    const timestamp = (this.opts.now ?? Date.now)();
    const nonce = randomNonce();
    const signature = await (this.opts.hmac ?? webCryptoHmac)(
      c.apiSecret,
      canonicalString({ timestamp, nonce, method: 'GET', target: WS_AUTH_TARGET, body: '' }),
    );
    this.send({ op: 'auth', apiKey: c.apiKey, timestamp, nonce, signature });
  }

  private sendSubscription(spec: SubscriptionSpec): void {
    if (spec.channel === 'book') this.books.get(keyOf(spec))?.invalidate();
    this.send({ op: 'subscribe', ...spec });
  }

  private send(req: ClientRequest): void {
    if (this.ws?.readyState === OPEN) this.ws.send(JSON.stringify(req));
  }

  private onMessage(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    switch (msg.type) {
      case 'snapshot':
        this.onSnapshot(msg);
        break;
      case 'book': {
        const lb = this.books.get(`book:${msg.market}`);
        if (!lb) break;
        const outcome = lb.onDelta(msg);
        if (outcome === 'applied') this.emit('book', lb);
        else if (outcome === 'gap' || outcome === 'checksum_mismatch') this.resync(lb, outcome);
        break;
      }
      case 'pong':
        this.awaitingPong = false;
        break;
      case 'error':
        this.emit('error', msg);
        break;
      default:
    }
    this.emit('message', msg);
  }

  private onSnapshot(msg: BookSnapshotMessage): void {
    const lb = this.books.get(`book:${msg.market}`);
    if (!lb) return;
    const outcome = lb.onSnapshot(msg);
    if (outcome === 'synced') this.emit('book', lb);
    else this.resync(lb, 'checksum_mismatch');
  }

  private resync(lb: LocalBook, reason: 'gap' | 'checksum_mismatch'): void {
    this.emit('resync', lb, reason);
    const spec = this.subscriptions.get(`book:${lb.market}`);
    if (spec) this.sendSubscription(spec);
  }

  private startPing(): void {
    const every = this.opts.pingIntervalMs ?? 15_000;
    if (every <= 0) return;
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        this.ws?.close(4000, 'no pong');
        return;
      }
      this.awaitingPong = true;
      this.send({ op: 'ping' });
    }, every);
    (this.pingTimer as { unref?: () => void }).unref?.();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}
