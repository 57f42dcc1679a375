/**
 * Private-channel authentication with the gateway's API keys: the same key store (api_keys,
 * AES-GCM-sealed secrets under GATEWAY_MASTER_KEY), the same canonical string and HMAC, the same
 * receive window, and a single-use nonce (Redis SET NX with the window as TTL).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { NONCE_PATTERN, canonicalString } from '@exchange/client';
import type { Pool } from '@exchange/db';
import { ApiKeyStore, normalizeIp } from '@exchange/gateway/src/auth/api-keys';
import { WS_AUTH_TARGET } from '@exchange/market-data';
import type { Redis } from '@exchange/service-kit';

export interface AuthRequest {
  apiKey: string;
  timestamp: number;
  nonce: string;
  signature: string;
}

export type AuthResult = { ok: true; accountId: number; keyId: string } | { ok: false; message: string };

const HEX64 = /^[0-9a-f]{64}$/;

export class FeedAuthenticator {
  private readonly keys: ApiKeyStore | null;

  constructor(
    pool: Pool,
    private readonly redis: Redis,
    private readonly opts: { masterKeyHex?: string; recvWindowMs: number; futureSkewMs: number; cacheMs: number },
  ) {
    this.keys = opts.masterKeyHex ? new ApiKeyStore(pool, opts.masterKeyHex, opts.cacheMs) : null;
  }

  async authenticate(req: AuthRequest, ip: string, now = Date.now()): Promise<AuthResult> {
    if (!this.keys) return { ok: false, message: 'authentication is not configured on this node' };
    const { recvWindowMs, futureSkewMs } = this.opts;
    if (req.timestamp < now - recvWindowMs || req.timestamp > now + futureSkewMs) {
      return { ok: false, message: 'timestamp is outside the receive window' };
    }
    if (!NONCE_PATTERN.test(req.nonce)) return { ok: false, message: 'nonce must be 16-64 characters [A-Za-z0-9_-]' };
    const key = await this.keys.active(req.apiKey);
    if (!key) return { ok: false, message: 'unknown or revoked API key' };
    if (!key.allows(normalizeIp(ip))) return { ok: false, message: 'this API key may not be used from this address' };
    const expected = createHmac('sha256', key.secret)
      .update(
        canonicalString({
          timestamp: req.timestamp,
          nonce: req.nonce,
          method: 'GET',
          target: WS_AUTH_TARGET,
          body: '',
        }),
      )
      .digest();
    if (!HEX64.test(req.signature) || !timingSafeEqual(expected, Buffer.from(req.signature, 'hex'))) {
      return { ok: false, message: 'signature does not match' };
    }
    const fresh = await this.redis.set(
      `ws:nonce:${key.keyId}:${req.nonce}`,
      '1',
      'PX',
      recvWindowMs + futureSkewMs,
      'NX',
    );
    if (fresh !== 'OK') return { ok: false, message: 'nonce already used' };
    return { ok: true, accountId: key.accountId, keyId: key.keyId };
  }
}
