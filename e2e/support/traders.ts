/**
 * Trading accounts and feed connections for the end-to-end tests, made the way an operator and a
 * bot would: the admin key creates the account, its trade key and the deposits; the bot signs with
 * its own key; the WebSocket client is the SDK's FeedClient over the `ws` package.
 */
import { ExchangeClient, FeedClient, type FeedServerMessage, type WebSocketConstructor } from '@exchange/client';
import WebSocket from 'ws';
import type { RunningExchange } from './exchange';
import { waitUntil } from './exchange';

export interface Trader {
  accountId: number;
  keyId: string;
  secret: string;
  client: ExchangeClient;
}

export function adminClient(ex: RunningExchange, fetchImpl?: typeof fetch): ExchangeClient {
  return new ExchangeClient({ baseUrl: ex.rest, fetch: fetchImpl }).withCredentials(
    ex.keys.admin.keyId,
    ex.keys.admin.secret,
  );
}

/** A new account with a read+trade key, credited with `deposits` (asset → decimal amount). */
export async function createTrader(
  ex: RunningExchange,
  label: string,
  deposits: Record<string, string>,
  fetchImpl?: typeof fetch,
): Promise<Trader> {
  const admin = adminClient(ex);
  const account = await admin.createAccount({ label });
  const key = await admin.createApiKey(account.accountId, { label, scopes: ['read', 'trade'] });
  for (const [asset, amount] of Object.entries(deposits)) {
    await admin.deposit({ accountId: account.accountId, asset, amount, reference: `e2e-${label}-${asset}` });
  }
  const client = new ExchangeClient({ baseUrl: ex.rest, fetch: fetchImpl }).withCredentials(key.keyId, key.secret);
  return { accountId: account.accountId, keyId: key.keyId, secret: key.secret, client };
}

/** A FeedClient that records every server message; `waitFor` polls the record. */
export interface RecordedFeed {
  feed: FeedClient;
  messages: FeedServerMessage[];
  waitFor<T extends FeedServerMessage>(
    what: string,
    pick: (m: FeedServerMessage) => m is T,
    timeoutMs?: number,
  ): Promise<T>;
}

export function openFeed(ex: RunningExchange, credentials?: { apiKey: string; apiSecret: string }): RecordedFeed {
  const feed = new FeedClient({
    url: ex.ws,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    credentials,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
  });
  const messages: FeedServerMessage[] = [];
  feed.on('message', (m) => messages.push(m));
  feed.connect();
  return {
    feed,
    messages,
    async waitFor(what, pick, timeoutMs = 15_000) {
      let found: FeedServerMessage | undefined;
      await waitUntil(what, async () => (found = messages.find(pick)) !== undefined, timeoutMs);
      return found as never;
    },
  };
}

/** Decimal string → integer minor units with `decimals` places (exact; throws on more places). */
export function minor(amount: string, decimals: number): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!m) throw new Error(`not a decimal: ${amount}`);
  const frac = m[3] ?? '';
  if (frac.length > decimals && /[1-9]/.test(frac.slice(decimals))) throw new Error(`${amount}: too precise`);
  const v = BigInt(m[2]! + frac.slice(0, decimals).padEnd(decimals, '0'));
  return m[1] ? -v : v;
}

/** Fee on a notional at `bps`, rounded up to the minor unit (ADR 0004). */
export const feeOf = (notionalMinor: bigint, bps: number): bigint => (notionalMinor * BigInt(bps) + 9_999n) / 10_000n;

/** price × qty in quote minor units, exactly (decimal strings in, bigint out). */
export function notional(price: string, qty: string, quoteDecimals: number): bigint {
  const scale = (s: string) => (s.split('.')[1] ?? '').length;
  const places = scale(price) + scale(qty);
  const raw = minor(price, scale(price)) * minor(qty, scale(qty));
  if (places <= quoteDecimals) return raw * 10n ** BigInt(quoteDecimals - places);
  const div = 10n ** BigInt(places - quoteDecimals);
  if (raw % div !== 0n) throw new Error(`${price} × ${qty} is finer than ${quoteDecimals} decimals`);
  return raw / div;
}
