import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { hmacSha256Hex, sha256, toHex, utf8Bytes } from '../k6/lib/sha256.js';
import { canonicalString, freshNonce, signedHeaders } from '../k6/lib/signing.js';

const nodeSha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const nodeHmac = (k: string, m: string) => createHmac('sha256', k).update(m, 'utf8').digest('hex');

describe('pure SHA-256 / HMAC-SHA256 (k6/lib/sha256.js) agree with node:crypto', () => {
  test('FIPS 180-4 and RFC 4231 vectors', () => {
    expect(toHex(sha256(utf8Bytes('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // RFC 4231 test case 2
    expect(hmacSha256Hex('Jefe', 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  test('block boundaries: messages of 0..200 bytes, keys of 0..150 bytes', () => {
    for (let n = 0; n <= 200; n++) {
      const msg = 'x'.repeat(n);
      expect(toHex(sha256(utf8Bytes(msg)))).toBe(nodeSha(msg));
      if (n <= 150) expect(hmacSha256Hex('k'.repeat(n), msg)).toBe(nodeHmac('k'.repeat(n), msg));
    }
  });

  test('any unicode key and message (surrogate pairs, lone surrogates) — property', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.string({ unit: 'binary', maxLength: 100 }),
        (m, k) => {
          expect(hmacSha256Hex(k, m)).toBe(nodeHmac(k, m));
          expect(Buffer.from(utf8Bytes(m))).toEqual(Buffer.from(m, 'utf8'));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('request signing (k6/lib/signing.js)', () => {
  test('signs the gateway canonical string with the key secret', () => {
    const key = { keyId: 'ak_test', secret: 'shh', accountId: 1, ip: '2001:db8::1' };
    const h = signedHeaders(key, 'post', '/v1/orders', '{"a":1}', 1_700_000_000_000);
    expect(h['X-API-KEY']).toBe('ak_test');
    expect(h['X-TIMESTAMP']).toBe('1700000000000');
    expect(h['X-NONCE']).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(h['X-SIGNATURE']).toBe(nodeHmac('shh', `1700000000000\n${h['X-NONCE']}\nPOST\n/v1/orders\n{"a":1}`));
    expect(canonicalString(1, 'n', 'get', '/x?y=1', '')).toBe('1\nn\nGET\n/x?y=1\n');
    expect(h['Content-Type']).toBe('application/json');
    expect(h['X-Forwarded-For']).toBe('2001:db8::1');
  });

  test('nonces are valid and never repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const n = freshNonce();
      expect(n).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      seen.add(n);
    }
    expect(seen.size).toBe(10_000);
  });
});
