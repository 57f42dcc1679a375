/**
 * Signed REST calls from Node with the k6 scripts' own signing module, and the setup that creates
 * funded load-test traders through the admin API (the Node twin of createTraders in k6/lib/http.js).
 */
import { signedHeaders } from '../k6/lib/signing.js';
import { clientIp, TRADER_FUNDS } from '../k6/lib/workload.js';

export interface ApiKey {
  keyId: string;
  secret: string;
  accountId: number;
  /** Sent as X-Forwarded-For: the trader's own client address behind a trusted proxy. */
  ip?: string;
}

export interface Target {
  rest: string;
  ws: string;
  admin: ApiKey;
}

export async function signedCall(
  base: string,
  key: ApiKey,
  method: string,
  target: string,
  body?: object,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const res = await fetch(base + target, {
    method,
    headers: signedHeaders(key, method, target, text),
    ...(text ? { body: text } : {}),
  });
  const raw = await res.text();
  return { status: res.status, body: raw ? (JSON.parse(raw) as unknown) : null, headers: res.headers };
}

/**
 * Creates `n` accounts with funds and a read+trade key each. With `spreadIps`, trader i presents
 * the address clientIp(offset + i) (a gateway with TRUST_PROXY_HOPS=1 rate-limits it on its own).
 */
export async function createTraders(
  t: Target,
  n: number,
  opts: { spreadIps: boolean; ipOffset?: number; label: string },
): Promise<ApiKey[]> {
  const admin = async <T>(target: string, body: object): Promise<T> => {
    const res = await signedCall(t.rest, t.admin, 'POST', target, body);
    if (res.status !== 200 && res.status !== 201) {
      throw new Error(`setup: POST ${target} answered ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body as T;
  };
  const make = async (i: number): Promise<ApiKey> => {
    const { accountId } = await admin<{ accountId: number }>('/v1/admin/accounts', { label: `${opts.label}-${i}` });
    for (const [asset, amount] of Object.entries(TRADER_FUNDS)) {
      const reference = `${opts.label}-${accountId}-${asset}`;
      await admin('/v1/admin/deposits', { accountId, asset, amount, reference });
    }
    const key = await admin<{ keyId: string; secret: string }>(`/v1/admin/accounts/${accountId}/api-keys`, {
      label: opts.label,
      scopes: ['read', 'trade'],
    });
    return {
      keyId: key.keyId,
      secret: key.secret,
      accountId,
      ...(opts.spreadIps ? { ip: clientIp((opts.ipOffset ?? 0) + i) } : {}),
    };
  };
  const traders: ApiKey[] = [];
  // A few at a time: the admin key has its own rate limit too.
  for (let i = 0; i < n; i += 5) {
    traders.push(...(await Promise.all(Array.from({ length: Math.min(5, n - i) }, (_, j) => make(i + j)))));
  }
  return traders;
}

export const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
