import { ExchangeApiError } from './errors';
import { signRequest, webCryptoHmac, type HmacSha256Hex } from './signing';
import type {
  Account,
  AssetConservation,
  AmendOrderRequest,
  ApiKey,
  AuditEntry,
  Balance,
  BookDepth,
  CancelAllResult,
  Candle,
  CandleInterval,
  CreatedApiKey,
  CreateMarketRequest,
  Fill,
  LedgerEntry,
  Market,
  Order,
  OrderCheck,
  OrderResult,
  OrderStatus,
  Page,
  PlaceOrderRequest,
  PublicTrade,
  ReplayJob,
  ReplayRequest,
  Scope,
  Ticker,
  Transfer,
  TransferRequest,
} from './types';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8080 (no trailing slash needed). */
  baseUrl: string;
  apiKey?: string;
  apiSecret?: string;
  /** Defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Defaults to WebCrypto. */
  hmac?: HmacSha256Hex;
  /** Clock for X-TIMESTAMP; adjust for skew against the server. */
  now?: () => number;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Idempotency-Key header: a retry with the same key and payload gets the stored answer. */
  idempotencyKey?: string;
  /** Send without signing (public endpoints). */
  unsigned?: boolean;
  /** Hand back the body as text instead of parsing it as JSON (e.g. NDJSON). */
  text?: boolean;
}

export interface RawResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

interface WriteOptions {
  idempotencyKey?: string;
}

/** Typed client of the gateway's REST API. Every method throws ExchangeApiError on a 4xx/5xx. */
export class ExchangeClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly hmac: HmacSha256Hex;
  private readonly now: () => number;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.hmac = options.hmac ?? webCryptoHmac;
    this.now = options.now ?? Date.now;
  }

  /** The same client acting with other credentials. */
  withCredentials(apiKey: string, apiSecret: string): ExchangeClient {
    return new ExchangeClient({ ...this.options, apiKey, apiSecret });
  }

  /** Any endpoint; resolves with whatever status came back (no throw). */
  async raw<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<RawResponse<T>> {
    const target = path + queryString(opts.query);
    const body = opts.body === undefined ? '' : JSON.stringify(opts.body);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body) headers['content-type'] = 'application/json';
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    if (!opts.unsigned) {
      const { apiKey, apiSecret } = this.options;
      if (!apiKey || !apiSecret) throw new Error('this request needs apiKey and apiSecret');
      Object.assign(
        headers,
        await signRequest({ apiKey, apiSecret }, { method, target, body }, { hmac: this.hmac, now: this.now() }),
      );
    }
    const res = await this.fetchImpl(this.baseUrl + target, { method, headers, body: body || undefined });
    const text = await res.text();
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => (out[k] = v));
    const parsed = opts.text ? text : text ? JSON.parse(text) : undefined;
    return { status: res.status, headers: out, body: parsed as T };
  }

  /** Any endpoint; the body on 2xx, ExchangeApiError otherwise. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw<T>(method, path, opts);
    if (res.status >= 400) throw apiError(res);
    return res.body;
  }

  // ---- market data (public) ----

  markets(): Promise<Market[]> {
    return this.request('GET', '/v1/markets', { unsigned: true });
  }
  book(market: string, depth?: number): Promise<BookDepth> {
    return this.request('GET', `/v1/markets/${enc(market)}/book`, { query: { depth }, unsigned: true });
  }
  trades(market: string, limit?: number): Promise<PublicTrade[]> {
    return this.request('GET', `/v1/markets/${enc(market)}/trades`, { query: { limit }, unsigned: true });
  }
  ticker(market: string): Promise<Ticker> {
    return this.request('GET', `/v1/markets/${enc(market)}/ticker`, { unsigned: true });
  }
  candles(
    market: string,
    q: { interval: CandleInterval; limit?: number; startTime?: number; endTime?: number },
  ): Promise<Candle[]> {
    return this.request('GET', `/v1/markets/${enc(market)}/candles`, { query: q, unsigned: true });
  }

  // ---- orders (trade scope to change, read scope to look) ----

  placeOrder(order: PlaceOrderRequest, opts: WriteOptions = {}): Promise<OrderResult> {
    return this.request('POST', '/v1/orders', { body: order, ...opts });
  }
  /** Checks an order as a place would (schema, the market's units and filters) without placing it. */
  testOrder(order: PlaceOrderRequest, opts: WriteOptions = {}): Promise<OrderCheck> {
    return this.request('POST', '/v1/orders/test', { body: order, ...opts });
  }
  cancelOrder(orderId: number, opts: WriteOptions = {}): Promise<OrderResult> {
    return this.request('DELETE', `/v1/orders/${orderId}`, opts);
  }
  cancelOrderByClientId(market: string, clientOrderId: string, opts: WriteOptions = {}): Promise<OrderResult> {
    return this.request('DELETE', `/v1/orders/by-client-id/${enc(clientOrderId)}`, { query: { market }, ...opts });
  }
  cancelAll(market: string, opts: WriteOptions = {}): Promise<CancelAllResult> {
    return this.request('DELETE', '/v1/orders', { query: { market }, ...opts });
  }
  amendOrder(orderId: number, change: AmendOrderRequest, opts: WriteOptions = {}): Promise<OrderResult> {
    return this.request('PATCH', `/v1/orders/${orderId}`, { body: change, ...opts });
  }
  amendOrderByClientId(
    market: string,
    clientOrderId: string,
    change: AmendOrderRequest,
    opts: WriteOptions = {},
  ): Promise<OrderResult> {
    return this.request('PATCH', `/v1/orders/by-client-id/${enc(clientOrderId)}`, {
      query: { market },
      body: change,
      ...opts,
    });
  }
  getOrder(orderId: number): Promise<Order> {
    return this.request('GET', `/v1/orders/${orderId}`);
  }
  getOrderByClientId(clientOrderId: string, market?: string): Promise<Order> {
    return this.request('GET', `/v1/orders/by-client-id/${enc(clientOrderId)}`, { query: { market } });
  }
  openOrders(market?: string): Promise<Order[]> {
    return this.request('GET', '/v1/orders/open', { query: { market } });
  }
  orderHistory(
    q: { market?: string; status?: OrderStatus; limit?: number; cursor?: string } = {},
  ): Promise<Page<Order>> {
    return this.request('GET', '/v1/orders', { query: q });
  }
  fills(q: { market?: string; orderId?: number; limit?: number; cursor?: string } = {}): Promise<Page<Fill>> {
    return this.request('GET', '/v1/fills', { query: q });
  }

  // ---- account ----

  whoami(): Promise<{ keyId: string; accountId: number; scopes: Scope[] }> {
    return this.request('GET', '/v1/account');
  }
  balances(): Promise<Balance[]> {
    return this.request('GET', '/v1/account/balances');
  }
  ledger(q: { asset?: string; limit?: number; cursor?: string } = {}): Promise<Page<LedgerEntry>> {
    return this.request('GET', '/v1/account/ledger', { query: q });
  }

  // ---- admin ----

  createAccount(body: { label?: string } = {}, opts: WriteOptions = {}): Promise<Account> {
    return this.request('POST', '/v1/admin/accounts', { body, ...opts });
  }
  getAccount(accountId: number): Promise<Account & { balances: Balance[] }> {
    return this.request('GET', `/v1/admin/accounts/${accountId}`);
  }
  createApiKey(
    accountId: number,
    body: { label?: string; scopes?: Scope[]; ipAllowlist?: string[] } = {},
    opts: WriteOptions = {},
  ): Promise<CreatedApiKey> {
    return this.request('POST', `/v1/admin/accounts/${accountId}/api-keys`, { body, ...opts });
  }
  listApiKeys(accountId: number): Promise<ApiKey[]> {
    return this.request('GET', `/v1/admin/accounts/${accountId}/api-keys`);
  }
  updateApiKey(
    keyId: string,
    body: { label?: string; scopes?: Scope[]; ipAllowlist?: string[] },
    opts: WriteOptions = {},
  ): Promise<ApiKey> {
    return this.request('PATCH', `/v1/admin/api-keys/${enc(keyId)}`, { body, ...opts });
  }
  revokeApiKey(keyId: string, opts: WriteOptions = {}): Promise<ApiKey> {
    return this.request('DELETE', `/v1/admin/api-keys/${enc(keyId)}`, opts);
  }
  deposit(body: TransferRequest, opts: WriteOptions = {}): Promise<Transfer> {
    return this.request('POST', '/v1/admin/deposits', { body, ...opts });
  }
  withdraw(body: TransferRequest, opts: WriteOptions = {}): Promise<Transfer> {
    return this.request('POST', '/v1/admin/withdrawals', { body, ...opts });
  }
  createMarket(body: CreateMarketRequest, opts: WriteOptions = {}): Promise<Market> {
    return this.request('POST', '/v1/admin/markets', { body, ...opts });
  }
  haltMarket(symbol: string, opts: WriteOptions = {}): Promise<{ market: string; status: string; pending: boolean }> {
    return this.request('POST', `/v1/admin/markets/${enc(symbol)}/halt`, opts);
  }
  resumeMarket(symbol: string, opts: WriteOptions = {}): Promise<{ market: string; status: string; pending: boolean }> {
    return this.request('POST', `/v1/admin/markets/${enc(symbol)}/resume`, opts);
  }
  auditLog(q: { limit?: number; cursor?: string } = {}): Promise<Page<AuditEntry>> {
    return this.request('GET', '/v1/admin/audit-log', { query: q });
  }
  /** Per asset: held by user and fee accounts = deposits − withdrawals (the ledger's invariant). */
  conservation(): Promise<AssetConservation[]> {
    return this.request('GET', '/v1/admin/conservation');
  }

  // ---- admin replay (services/replay) ----

  startReplay(body: ReplayRequest, opts: WriteOptions = {}): Promise<{ jobId: string; state: ReplayJob['state'] }> {
    return this.request('POST', '/v1/admin/replays', { body, ...opts });
  }
  replayJob(jobId: string): Promise<ReplayJob> {
    return this.request('GET', `/v1/admin/replays/${enc(jobId)}`);
  }
  replayJobs(q: { limit?: number; cursor?: string } = {}): Promise<Page<ReplayJob>> {
    return this.request('GET', '/v1/admin/replays', { query: q });
  }
  cancelReplay(jobId: string, opts: WriteOptions = {}): Promise<ReplayJob> {
    return this.request('DELETE', `/v1/admin/replays/${enc(jobId)}`, opts);
  }
  /** An export job's events as NDJSON text, one archived event per line. */
  async replayExport(jobId: string): Promise<string> {
    const res = await this.raw<string>('GET', `/v1/admin/replays/${enc(jobId)}/export`, { text: true });
    if (res.status < 400) return res.body;
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      body = { message: res.body };
    }
    throw apiError({ ...res, body });
  }
}

function apiError(res: RawResponse<unknown>): ExchangeApiError {
  const b = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as {
    code?: string;
    message?: string;
    details?: Record<string, unknown>;
  };
  return new ExchangeApiError(
    res.status,
    b.code ?? 'UNKNOWN',
    b.message ?? 'request failed',
    b.details ?? {},
    res.headers,
  );
}

/** encodeURIComponent plus !'()*, so that no URL parser re-encodes what was signed. */
const enc = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `?a=1&b=2` in the given key order, undefined values left out; '' when nothing remains. */
export function queryString(query?: Query): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) if (v !== undefined) parts.push(`${enc(k)}=${enc(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
