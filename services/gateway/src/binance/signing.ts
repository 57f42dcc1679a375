/**
 * Binance request signing: `X-MBX-APIKEY` carries our key id, `signature` = hex HMAC-SHA256(secret,
 * totalParams) where totalParams is the query string followed by the body, each without its
 * `signature` parameter. `timestamp` is required; the request is refused when it is 1 s or more
 * ahead of the server or older than `recvWindow` (default 5000, at most 60000). Request weight
 * counts against our Redis rate limiter (per IP and per key, a minute window); every refusal costs
 * the IP its weight too, so guessing is limited. Unlike Binance, a signed request that creates
 * orders acts at most once: its signature is its nonce (kept for the longest receive window), so a
 * captured request replayed inside its window is refused -2010 "Duplicate order sent.".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Scope } from '@exchange/client';
import type { ApiKeyStore } from '../auth/api-keys';
import type { Admission, RateLimiter } from '../http/rate-limit';
import { BinanceError, MSG, err } from './errors';
import type { Params } from './params';

export interface BinanceAuth {
  keyId: string;
  accountId: number;
  scopes: Scope[];
}

export interface SignedInput {
  query: string;
  body: string;
  apiKey: string | undefined;
  ip: string;
  params: Params;
  /** The request creates orders: a replay of it must not act twice. */
  once?: boolean;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;
export const MAX_RECV_WINDOW = 60_000;
export const DEFAULT_RECV_WINDOW = 5000;
const FUTURE_LIMIT_MS = 1000;

/** The signed string: query then body, each without its `signature` parameter. */
export function totalParams(query: string, body: string): string {
  const strip = (s: string) =>
    s
      .split('&')
      .filter((part) => part && !part.startsWith('signature='))
      .join('&');
  return strip(query) + strip(body);
}

export function usedWeightHeaders(a: Admission): Record<string, string> {
  return { 'x-mbx-used-weight-1m': String(a.limit - a.remaining), 'x-mbx-used-weight': String(a.limit - a.remaining) };
}

function tooMany(a: Admission): BinanceError {
  return new BinanceError(
    -1003,
    `Too many requests; current limit of IP request weight per minute is ${a.limit}. Please use WebSocket Streams for live updates to avoid bans.`,
    429,
    { ...usedWeightHeaders(a), 'retry-after': String(a.resetSeconds) },
  );
}

export class BinanceSigner {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly limiter: RateLimiter,
  ) {}

  async admitPublic(ip: string, weight: number): Promise<Admission> {
    const a = await this.limiter.admit({ ip, weight });
    if (a.verdict !== 'ok') throw tooMany(a);
    return a;
  }

  async verify(
    req: SignedInput,
    weight: number,
    scope: Scope,
    now = Date.now(),
  ): Promise<{ auth: BinanceAuth; admission: Admission }> {
    let failure: BinanceError | null = null;
    const key = req.apiKey && req.apiKey.length <= 80 ? await this.keys.active(req.apiKey) : null;
    const p = req.params;
    if (!req.apiKey) failure = new BinanceError(-2014, MSG.badKeyFormat, 401);
    else if (!key || !key.allows(req.ip)) failure = new BinanceError(-2015, MSG.rejectedKey, 401);
    else failure = this.check(p, key.secret, req, now);
    if (failure || !key) {
      const a = await this.limiter.admit({ ip: req.ip, weight });
      if (a.verdict !== 'ok') throw tooMany(a);
      throw failure ?? new BinanceError(-2015, MSG.rejectedKey, 401);
    }
    const nonce = req.once ? req.params.str('signature') : undefined;
    const admission = await this.limiter.admit({ ip: req.ip, weight, keyId: key.keyId, nonce });
    if (admission.verdict === 'replay') {
      throw new BinanceError(-2010, MSG.duplicateOrder, 400, usedWeightHeaders(admission));
    }
    if (admission.verdict !== 'ok') throw tooMany(admission);
    if (!key.scopes.includes(scope)) {
      throw new BinanceError(-2015, MSG.rejectedKey, 401, usedWeightHeaders(admission));
    }
    return { auth: { keyId: key.keyId, accountId: key.accountId, scopes: key.scopes }, admission };
  }

  private check(p: Params, secret: string, req: SignedInput, now: number): BinanceError | null {
    let timestamp: number | undefined;
    let recvWindow: number | undefined;
    try {
      timestamp = p.int('timestamp');
      recvWindow = p.int('recvWindow');
    } catch {
      return err.mandatory(timestamp === undefined ? 'timestamp' : 'recvWindow');
    }
    if (timestamp === undefined) return err.mandatory('timestamp');
    if (recvWindow !== undefined && recvWindow > MAX_RECV_WINDOW)
      return new BinanceError(-1131, MSG.recvWindowTooLarge);
    if (timestamp >= now + FUTURE_LIMIT_MS) {
      return new BinanceError(-1021, `Timestamp for this request was ${FUTURE_LIMIT_MS}ms ahead of the server's time.`);
    }
    if (now - timestamp > (recvWindow ?? DEFAULT_RECV_WINDOW)) return new BinanceError(-1021, MSG.outsideWindow);
    const signature = p.str('signature');
    if (!signature) return err.mandatory('signature');
    const expected = createHmac('sha256', secret).update(totalParams(req.query, req.body)).digest();
    if (!HEX64.test(signature) || !timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      return new BinanceError(-1022, MSG.badSignature);
    }
    return null;
  }
}
