import type { MdLevel } from '@exchange/protocol';
import { crc32Ascii } from './crc32';

/** A price or quantity as it enters the checksum: '.' removed, then leading zeros stripped. */
export function checksumToken(v: string): string {
  const dot = v.indexOf('.');
  const digits = dot < 0 ? v : v.slice(0, dot) + v.slice(dot + 1);
  let i = 0;
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  return digits.slice(i);
}

/**
 * Kraken's book checksum: CRC32 (unsigned) of the concatenation, for the top levels, of asks low to
 * high then bids high to low, each level as price then qty tokens. The caller passes the top levels
 * (best first on each side), already cut to the depth.
 */
export function bookChecksum(asks: readonly MdLevel[], bids: readonly MdLevel[]): number {
  let s = '';
  for (const [p, q] of asks) s += checksumToken(p) + checksumToken(q);
  for (const [p, q] of bids) s += checksumToken(p) + checksumToken(q);
  return crc32Ascii(s);
}
