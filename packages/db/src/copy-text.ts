/**
 * Writing Postgres's COPY text format (`COPY … FROM STDIN`): the one escape rule, a buffer that rows
 * are written into outside the JS heap, and the COPY call. The engine archives its batches and the
 * balance manager its ledger rows through these. (Reading `COPY … TO STDOUT` is the replay's
 * copy-lines.)
 */
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from './pool';

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const escapeChar = (c: string): string => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r');

/** A value as a COPY text field: backslash, tab, newline and carriage return escaped. */
export function copyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, escapeChar) : value;
}

/** COPY … FROM STDIN of the parts, in order, in the client's transaction. */
export function copyIn(client: PoolClient, sql: string, ...parts: Array<string | Buffer>): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    stream.on('finish', () => resolve());
    stream.on('error', reject);
    for (const part of parts) if (part.length > 0) stream.write(part);
    stream.end();
  });
}

const TAB = 9;
const NEWLINE = 10;
const MINUS = 45;
const ZERO = 48;
/** Shorter ASCII strings are copied byte by byte: cheaper than a call into Buffer.write. */
const SHORT = 32;
const EMPTY = Buffer.alloc(0);

/**
 * Text written straight into one growing Buffer. Rows built as template strings cost a string per
 * number and per concatenation, and text kept on the JS heap (a batch waiting for the archive) is
 * copied by every young-generation GC; here numbers are written as digits and the bytes live off
 * the heap.
 */
export class CopyBuffer {
  private buf = EMPTY;
  private len = 0;

  /** `capacity`: the first allocation (later ones follow the size of what was taken). */
  constructor(private capacity = 16 * 1024) {}

  /** Appends text as it is (already escaped, or not COPY at all); returns its length in bytes. */
  append(text: string): number {
    this.room(text.length * 3);
    const bytes = this.buf.write(text, this.len, 'utf8');
    this.len += bytes;
    return bytes;
  }

  /** A text field, escaped unless the caller escaped it already. */
  text(value: string, escaped = false): this {
    const v = escaped ? value : copyText(value);
    let ascii = v.length <= SHORT;
    for (let i = 0; i < v.length && ascii; i++) ascii = v.charCodeAt(i) < 0x80;
    if (!ascii) {
      this.append(v);
      return this;
    }
    this.room(v.length);
    for (let i = 0; i < v.length; i++) this.buf[this.len++] = v.charCodeAt(i);
    return this;
  }

  /** A safe integer, in decimal. */
  int(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    this.room(17);
    let v = value;
    if (v < 0) {
      this.buf[this.len++] = MINUS;
      v = -v;
    }
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    for (let i = this.len + digits - 1; i >= this.len; i--) {
      this.buf[i] = ZERO + (v % 10);
      v = Math.floor(v / 10);
    }
    this.len += digits;
    return this;
  }

  big(value: bigint): this {
    return this.text(value.toString(), true);
  }

  tab(): this {
    this.room(1);
    this.buf[this.len++] = TAB;
    return this;
  }

  endRow(): this {
    this.room(1);
    this.buf[this.len++] = NEWLINE;
    return this;
  }

  get length(): number {
    return this.len;
  }

  /**
   * The bytes so far (a view, not a copy); the buffer starts over empty, and its next allocation is
   * sized for about as much again.
   */
  take(): Buffer {
    const out = this.buf.subarray(0, this.len);
    this.capacity = Math.max(16 * 1024, Math.min(Math.ceil(this.len * 1.25), 16 * 1024 * 1024));
    this.buf = EMPTY;
    this.len = 0;
    return out;
  }

  private room(k: number): void {
    if (this.len + k <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.capacity, this.buf.length * 2, this.len + k));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}
