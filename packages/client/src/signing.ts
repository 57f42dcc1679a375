/**
 * Request signing, shared by the client and the gateway so both build the very same string.
 *
 * canonical = `${timestamp}\n${nonce}\n${METHOD}\n${target}\n${body}`
 *   timestamp  X-TIMESTAMP, ms since epoch, decimal digits
 *   nonce      X-NONCE, 16–64 characters [A-Za-z0-9_-], fresh for every request
 *   METHOD     upper case
 *   target     the request target exactly as sent: path plus `?query` when there is one
 *   body       the raw body bytes as sent (UTF-8), empty string when there is none
 * X-SIGNATURE = lower-case hex HMAC-SHA256(secret, canonical); X-API-KEY = the key id.
 */
export const AUTH_HEADERS = {
  apiKey: 'x-api-key',
  timestamp: 'x-timestamp',
  nonce: 'x-nonce',
  signature: 'x-signature',
} as const;

export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export interface SignedParts {
  timestamp: number | string;
  nonce: string;
  method: string;
  target: string;
  body: string;
}

export function canonicalString(p: SignedParts): string {
  return `${p.timestamp}\n${p.nonce}\n${p.method.toUpperCase()}\n${p.target}\n${p.body}`;
}

/** HMAC-SHA256 of `message` under `secret`, lower-case hex. Swap in another (e.g. node:crypto) where WebCrypto is missing. */
export type HmacSha256Hex = (secret: string, message: string) => Promise<string>;

/** The slice of WebCrypto used here, typed structurally (no DOM lib needed). */
interface SubtleHmac {
  importKey(
    format: 'raw',
    key: Uint8Array,
    alg: { name: 'HMAC'; hash: 'SHA-256' },
    extractable: false,
    usages: ['sign'],
  ): Promise<unknown>;
  sign(alg: 'HMAC', key: unknown, data: Uint8Array): Promise<ArrayBuffer>;
}
interface CryptoLike {
  subtle?: SubtleHmac;
  getRandomValues<T extends Uint8Array>(a: T): T;
}
const webCrypto = (): CryptoLike | undefined => (globalThis as { crypto?: CryptoLike }).crypto;

const encoder = new TextEncoder();
const keyCache = new Map<string, Promise<unknown>>();

function subtle(): SubtleHmac {
  const s = webCrypto()?.subtle;
  if (!s) throw new Error('WebCrypto (globalThis.crypto.subtle) is not available; pass an hmac implementation');
  return s;
}

/** WebCrypto HMAC: works in Node >= 20 and in browsers. Imported keys are cached per secret. */
export const webCryptoHmac: HmacSha256Hex = async (secret, message) => {
  let key = keyCache.get(secret);
  if (!key) {
    key = subtle().importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keyCache.set(secret, key);
  }
  const mac = await subtle().sign('HMAC', await key, encoder.encode(message));
  return toHex(new Uint8Array(mac));
};

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** 16 random bytes as 32 hex characters. */
export function randomNonce(): string {
  const bytes = new Uint8Array(16);
  const c = webCrypto();
  if (!c) throw new Error('WebCrypto (globalThis.crypto) is not available; pass a nonce');
  c.getRandomValues(bytes);
  return toHex(bytes);
}

/** The four auth headers of one request. */
export async function signRequest(
  credentials: { apiKey: string; apiSecret: string },
  req: { method: string; target: string; body: string },
  opts: { hmac?: HmacSha256Hex; now?: number; nonce?: string } = {},
): Promise<Record<string, string>> {
  const timestamp = String(opts.now ?? Date.now());
  const nonce = opts.nonce ?? randomNonce();
  const signature = await (opts.hmac ?? webCryptoHmac)(
    credentials.apiSecret,
    canonicalString({ timestamp, nonce, method: req.method, target: req.target, body: req.body }),
  );
  return {
    [AUTH_HEADERS.apiKey]: credentials.apiKey,
    [AUTH_HEADERS.timestamp]: timestamp,
    [AUTH_HEADERS.nonce]: nonce,
    [AUTH_HEADERS.signature]: signature,
  };
}
