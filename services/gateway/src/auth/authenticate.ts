import { createHmac, timingSafeEqual } from 'node:crypto';
import { AUTH_HEADERS, NONCE_PATTERN, canonicalString, type Scope } from '@exchange/client';
import { ApiError } from '../errors';
import { admitted, type Admission, type AdmissionPlan, type RateLimiter } from '../http/rate-limit';
import type { ApiKeyStore } from './api-keys';

export interface AuthContext {
  keyId: string;
  accountId: number;
  scopes: Scope[];
}

export interface SignedRequest {
  method: string;
  /** Path plus `?query`, exactly as received. */
  target: string;
  body: string;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
}

const HEX64 = /^[0-9a-f]{64}$/;
const ZERO = Buffer.alloc(32);

function header(h: SignedRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * HMAC request authentication (see @exchange/client signing.ts for the canonical string). Every
 * outcome, failures included, costs the caller's IP its weight, so guessing is rate limited too.
 */
export class Authenticator {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly limiter: RateLimiter,
    private readonly window: { recvWindowMs: number; futureSkewMs: number },
  ) {}

  /** Public endpoints: IP quota only. */
  async admitPublic(ip: string, weight: number): Promise<Admission> {
    return admitted(await this.limiter.admit({ ip, weight }));
  }

  /** Signature, window, key, allow-list, quota and replay guard. Scopes are the router's to check (so refusals can be audited). */
  async authenticate(req: SignedRequest, weight: number): Promise<{ auth: AuthContext; admission: Admission }> {
    const { auth, admission } = await this.verify(req, weight);
    return { auth, admission: await this.admit(admission) };
  }

  /** Runs a planned admission on its own: the quota and the replay guard. */
  async admit(plan: AdmissionPlan): Promise<Admission> {
    return admitted(await this.limiter.run(plan));
  }

  /**
   * Signature, window, key and allow-list. A request that fails them is counted against its IP here;
   * one that passes gets its admission (quota, replay guard) planned, for the caller to run.
   */
  async verify(req: SignedRequest, weight: number): Promise<{ auth: AuthContext; admission: AdmissionPlan }> {
    let failure: ApiError | null = null;
    const keyId = header(req.headers, AUTH_HEADERS.apiKey);
    const ts = header(req.headers, AUTH_HEADERS.timestamp);
    const nonce = header(req.headers, AUTH_HEADERS.nonce);
    const signature = header(req.headers, AUTH_HEADERS.signature);
    const key = keyId && keyId.length <= 80 ? await this.keys.active(keyId) : null;
    const now = Date.now();

    if (!keyId || !ts || !nonce || !signature) {
      failure = new ApiError('MISSING_CREDENTIALS', 'X-API-KEY, X-TIMESTAMP, X-NONCE and X-SIGNATURE are required');
    } else if (
      !/^\d{1,16}$/.test(ts) ||
      Number(ts) < now - this.window.recvWindowMs ||
      Number(ts) > now + this.window.futureSkewMs
    ) {
      failure = new ApiError('TIMESTAMP_OUTSIDE_WINDOW', 'X-TIMESTAMP is outside the receive window', {
        serverTime: now,
        recvWindowMs: this.window.recvWindowMs,
      });
    } else if (!NONCE_PATTERN.test(nonce)) {
      failure = new ApiError('MISSING_CREDENTIALS', 'X-NONCE must be 16-64 characters [A-Za-z0-9_-]');
    } else if (!key) {
      failure = new ApiError('INVALID_API_KEY', 'unknown or revoked API key');
    } else if (!key.allows(req.ip)) {
      failure = new ApiError('IP_NOT_ALLOWED', 'this API key may not be used from this address');
    } else {
      const expected = createHmac('sha256', key.secret)
        .update(canonicalString({ timestamp: ts, nonce, method: req.method, target: req.target, body: req.body }))
        .digest();
      const given = HEX64.test(signature) ? Buffer.from(signature, 'hex') : ZERO;
      if (!timingSafeEqual(expected, given) || given === ZERO) {
        failure = new ApiError('INVALID_SIGNATURE', 'signature does not match the request');
      }
    }
    if (failure || !key) {
      admitted(await this.limiter.admit({ ip: req.ip, weight }));
      throw failure;
    }
    return {
      auth: { keyId: key.keyId, accountId: key.accountId, scopes: key.scopes },
      admission: this.limiter.plan({ ip: req.ip, weight, keyId: key.keyId, nonce }),
    };
  }
}
