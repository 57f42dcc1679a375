/**
 * Binance request parameters: the query string and a form-encoded body (either or both). A name
 * sent in both is taken from the query string, as Binance does; a name sent twice in one of them is
 * -1101. Every endpoint lists what it reads (`only`), so a parameter it would ignore is -1104
 * instead of being silently dropped.
 */
import { BinanceError, err } from './errors';

export const CLIENT_ORDER_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;
const CLIENT_ORDER_ID_TEXT = '^[\\.A-Z\\:/a-z0-9_-]{1,36}$';
const DECIMAL = /^[0-9]{1,20}(\.[0-9]{1,20})?$/;
const DECIMAL_TEXT = '^([0-9]{1,20})(\\.[0-9]{1,20})?$';
const INTEGER = /^[0-9]{1,16}$/;

function parse(raw: string, into: Map<string, string>, skip: Set<string>): void {
  if (!raw) return;
  const seen = new Set<string>();
  for (const [name, value] of new URLSearchParams(raw)) {
    if (seen.has(name)) throw err.duplicateParam();
    seen.add(name);
    if (skip.has(name)) continue;
    into.set(name, value);
  }
}

export class Params {
  private readonly values = new Map<string, string>();

  /** @param body the raw body when it is form-encoded (or has no content type), else '' */
  constructor(query: string, body: string) {
    parse(query, this.values, new Set());
    parse(body, this.values, new Set(this.values.keys()));
  }

  static fromRequest(originalUrl: string, body: string, contentType: string | undefined): Params {
    const q = originalUrl.indexOf('?');
    const form = !contentType || contentType.startsWith('application/x-www-form-urlencoded');
    if (body && !form)
      throw new BinanceError(-1100, 'Illegal characters found in the request body; send it form-encoded.');
    return new Params(q < 0 ? '' : originalUrl.slice(q + 1), body);
  }

  /** -1104 when anything outside `names` (plus the signing parameters) was sent. */
  only(names: readonly string[]): this {
    const allowed = new Set([...names, 'timestamp', 'recvWindow', 'signature']);
    let read = 0;
    for (const k of this.values.keys()) if (allowed.has(k)) read++;
    if (read !== this.values.size) throw err.notAllRead(read, this.values.size);
    return this;
  }

  has(name: string): boolean {
    return this.values.has(name) && this.values.get(name) !== '';
  }

  str(name: string): string | undefined {
    const v = this.values.get(name);
    return v === undefined || v === '' ? undefined : v;
  }

  need(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw err.mandatory(name);
    return v;
  }

  /** A plain decimal string (no sign, no exponent), passed on unchanged: the market's units judge it. */
  decimal(name: string): string | undefined {
    const v = this.str(name);
    if (v !== undefined && !DECIMAL.test(v)) throw err.illegal(name, DECIMAL_TEXT);
    return v;
  }

  int(name: string, opts: { min?: number; max?: number } = {}): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!INTEGER.test(v)) throw err.illegal(name, '^[0-9]{1,16}$');
    const n = Number(v);
    if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
      throw new BinanceError(-1130, `Invalid data sent for a parameter.`);
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], code: number, msg: string): T | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw new BinanceError(code, msg);
    return v as T;
  }

  clientOrderId(name: string): string | undefined {
    const v = this.str(name);
    if (v !== undefined && !CLIENT_ORDER_ID.test(v)) throw err.illegal(name, CLIENT_ORDER_ID_TEXT);
    return v;
  }
}
