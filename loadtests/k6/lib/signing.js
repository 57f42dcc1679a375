/**
 * The gateway's request signing (services/gateway/README.md#signing), pure: shared by the k6
 * scripts and the Node harness, so every CI run of the harness proves the k6 signing against the
 * real gateway.
 */
import { hmacSha256Signer } from './sha256.js';

/**
 * @typedef {object} ApiKey
 * @property {string} keyId
 * @property {string} secret
 * @property {number} accountId
 * @property {string} [ip] client address presented in X-Forwarded-For (a gateway with TRUST_PROXY_HOPS=1 uses it)
 */

/** @type {Record<string, (message: string) => string>} */
const signers = {};
let nonceCounter = 0;

/**
 * The string the signature covers.
 * @param {number} timestamp
 * @param {string} nonce
 * @param {string} method
 * @param {string} target path plus `?query` exactly as sent
 * @param {string} body raw body, '' when none
 */
export function canonicalString(timestamp, nonce, method, target, body) {
  return `${timestamp}\n${nonce}\n${method.toUpperCase()}\n${target}\n${body}`;
}

/** A nonce matching [A-Za-z0-9_-]{16,64}, unique per process (counter) and across processes (time + random). */
export function freshNonce() {
  nonceCounter += 1;
  const random = Math.floor(Math.random() * 0x7fffffff)
    .toString(36)
    .padStart(6, '0');
  return `n${Date.now().toString(36)}-${nonceCounter.toString(36)}-${random}`;
}

/**
 * Headers of a signed request (plus X-Forwarded-For when the key has an address).
 * @param {ApiKey} key
 * @param {string} method
 * @param {string} target
 * @param {string} body
 * @param {number} [now]
 * @returns {Record<string, string>}
 */
export function signedHeaders(key, method, target, body, now = Date.now()) {
  const nonce = freshNonce();
  let sign = signers[key.secret];
  if (!sign) {
    sign = hmacSha256Signer(key.secret);
    signers[key.secret] = sign;
  }
  /** @type {Record<string, string>} */
  const headers = {
    'X-API-KEY': key.keyId,
    'X-TIMESTAMP': String(now),
    'X-NONCE': nonce,
    'X-SIGNATURE': sign(canonicalString(now, nonce, method, target, body)),
  };
  if (body) headers['Content-Type'] = 'application/json';
  if (key.ip) headers['X-Forwarded-For'] = key.ip;
  return headers;
}
