/**
 * SHA-256 and HMAC-SHA256 in plain JavaScript (FIPS 180-4, RFC 2104), for k6 scripts that may
 * import only k6/http, k6/ws and k6/metrics (no k6/crypto) and for the Node harness, which signs
 * with this very code so CI proves it against the real gateway. No typed arrays or TextEncoder:
 * goja (k6 ≥ 0.46) runs it as is. Tested against node:crypto in test/sha256.test.ts.
 */

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];

const BLOCK_BYTES = 64;

/**
 * UTF-8 bytes of a JS string (surrogate pairs joined; a lone surrogate becomes U+FFFD, as TextEncoder does).
 * @param {string} s
 * @returns {number[]}
 */
export function utf8Bytes(s) {
  /** @type {number[]} */
  const out = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return out;
}

/**
 * SHA-256 digest of a byte array.
 * @param {number[]} bytes
 * @returns {number[]} 32 bytes
 */
export function sha256(bytes) {
  const bitLength = bytes.length * 8;
  const msg = bytes.slice();
  msg.push(0x80);
  while (msg.length % BLOCK_BYTES !== 56) msg.push(0);
  // 64-bit big-endian length; the high word covers messages of 512 MiB and more.
  const high = Math.floor(bitLength / 0x100000000);
  msg.push((high >>> 24) & 255, (high >>> 16) & 255, (high >>> 8) & 255, high & 255);
  msg.push((bitLength >>> 24) & 255, (bitLength >>> 16) & 255, (bitLength >>> 8) & 255, bitLength & 255);

  let h0 = 0x6a09e667;
  let h1 = 0xbb67ae85;
  let h2 = 0x3c6ef372;
  let h3 = 0xa54ff53a;
  let h4 = 0x510e527f;
  let h5 = 0x9b05688c;
  let h6 = 0x1f83d9ab;
  let h7 = 0x5be0cd19;
  /** @type {number[]} */
  const w = new Array(64);
  for (let off = 0; off < msg.length; off += BLOCK_BYTES) {
    for (let t = 0; t < 16; t++) {
      const j = off + t * 4;
      w[t] = ((msg[j] ?? 0) << 24) | ((msg[j + 1] ?? 0) << 16) | ((msg[j + 2] ?? 0) << 8) | (msg[j + 3] ?? 0);
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15] ?? 0;
      const y = w[t - 2] ?? 0;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = ((w[t - 16] ?? 0) + s0 + (w[t - 7] ?? 0) + s1) | 0;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + (K[t] ?? 0) + (w[t] ?? 0)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  /** @type {number[]} */
  const out = [];
  for (const v of [h0, h1, h2, h3, h4, h5, h6, h7])
    out.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  return out;
}

/**
 * Lower-case hex of bytes.
 * @param {number[]} bytes
 * @returns {string}
 */
export function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

/**
 * A reusable HMAC-SHA256 signer for one key: the padded key blocks are computed once.
 * @param {string} key UTF-8 secret
 * @returns {(message: string) => string} lower-case hex MAC
 */
export function hmacSha256Signer(key) {
  let k = utf8Bytes(key);
  if (k.length > BLOCK_BYTES) k = sha256(k);
  /** @type {number[]} */
  const ipad = [];
  /** @type {number[]} */
  const opad = [];
  for (let i = 0; i < BLOCK_BYTES; i++) {
    const b = k[i] ?? 0;
    ipad.push(b ^ 0x36);
    opad.push(b ^ 0x5c);
  }
  return (message) => toHex(sha256(opad.concat(sha256(ipad.concat(utf8Bytes(message))))));
}

/**
 * HMAC-SHA256(key, message), lower-case hex; both UTF-8.
 * @param {string} key
 * @param {string} message
 * @returns {string}
 */
export function hmacSha256Hex(key, message) {
  return hmacSha256Signer(key)(message);
}
