/** Binance-style requests built by hand, for what ccxt never sends (it rounds, signs and fills defaults). */
import { createHmac } from 'node:crypto';

/** A JSON answer of one of many shapes; tests assert on it field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Json = any;

export interface BinanceReply {
  status: number;
  body: Json;
  headers: Headers;
}

export async function binanceFetch(
  baseUrl: string,
  req: {
    method?: string;
    path: string;
    /** In the query string. */
    query?: string;
    /** Form-encoded body. */
    body?: string;
    /** Signs with this secret unless `signature` is given; appends timestamp unless the query/body has one. */
    sign?: { apiKey?: string; secret: string; timestamp?: number; signature?: string };
    headers?: Record<string, string>;
  },
): Promise<BinanceReply> {
  let query = req.query ?? '';
  const body = req.body ?? '';
  const headers: Record<string, string> = { ...req.headers };
  if (req.sign) {
    if (!/(^|&)timestamp=/.test(query + '&' + body)) {
      query = [query, `timestamp=${req.sign.timestamp ?? Date.now()}`].filter(Boolean).join('&');
    }
    const signature =
      req.sign.signature ??
      createHmac('sha256', req.sign.secret)
        .update(query + body)
        .digest('hex');
    query = `${query}&signature=${signature}`;
    if (req.sign.apiKey) headers['x-mbx-apikey'] = req.sign.apiKey;
  }
  if (body) headers['content-type'] ??= 'application/x-www-form-urlencoded';
  const res = await fetch(`${baseUrl}/api/v3${req.path}${query ? `?${query}` : ''}`, {
    method: req.method ?? 'GET',
    headers,
    body: body || undefined,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // left as text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
