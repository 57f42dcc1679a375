/**
 * Signed REST calls from k6, the outcome counters every script reports, and the setup that
 * creates funded load-test traders through the admin API.
 */
import http from 'k6/http';
import { Counter, Rate } from 'k6/metrics';
import { signedHeaders } from './signing.js';
import { classify, clientIp, TRADER_FUNDS } from './workload.js';

/** 429 is the rate limiter answering as designed: expected, so http_req_failed counts only real errors. */
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 429));

export const throttledRequests = new Counter('throttled_requests');
export const errorRequests = new Counter('error_requests');
/** Share of answers that met the scenario's own expectation (the checks, without k6's `check`). */
export const expectations = new Rate('expectations_met');

/**
 * Counts an answer as ok, throttled or error.
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @param {string} name
 */
function counted(res, name) {
  const outcome = classify(res.status);
  if (outcome === 'throttled') throttledRequests.add(1, { name });
  if (outcome === 'error') errorRequests.add(1, { name, status: String(res.status) });
  return res;
}

/**
 * One signed request; counts it as ok, throttled or error.
 * @param {string} baseUrl
 * @param {import('./signing.js').ApiKey} key
 * @param {string} method
 * @param {string} target
 * @param {object | undefined} body
 * @param {string} name request tag (groups URLs with ids)
 */
export function signed(baseUrl, key, method, target, body, name) {
  const text = body === undefined ? '' : JSON.stringify(body);
  const res = http.request(method, baseUrl + target, text === '' ? null : text, {
    headers: signedHeaders(key, method, target, text),
    tags: { name },
  });
  return counted(res, name);
}

/**
 * @param {import('k6/http').RefinedResponse<'text'>} res
 * @returns {any}
 */
export function json(res) {
  try {
    return typeof res.body === 'string' ? JSON.parse(res.body) : null;
  } catch (err) {
    if (err instanceof SyntaxError) return null; // not JSON (a proxy's error page): the caller counts it
    throw err;
  }
}

/**
 * Creates `n` accounts, funds them and gives each a read+trade key (in setup(); 4 admin requests each).
 * @param {{ baseUrl: string, admin: import('./signing.js').ApiKey, spreadIps: boolean }} cfg
 * @param {number} n
 * @returns {import('./signing.js').ApiKey[]}
 */
export function createTraders(cfg, n) {
  const run = Date.now().toString(36);
  /** @type {import('./signing.js').ApiKey[]} */
  const traders = [];
  for (let i = 0; i < n; i++) {
    /** @param {string} target @param {object} body */
    const admin = (target, body) => {
      const res = signed(cfg.baseUrl, cfg.admin, 'POST', target, body, 'setup');
      if (res.status !== 201 && res.status !== 200) {
        throw new Error(`setup: POST ${target} answered ${res.status}: ${String(res.body)}`);
      }
      return json(res);
    };
    const account = admin('/v1/admin/accounts', { label: `loadtest-${run}-${i}` });
    for (const [asset, amount] of Object.entries(TRADER_FUNDS)) {
      const reference = `loadtest-${run}-${account.accountId}-${asset}`;
      admin('/v1/admin/deposits', { accountId: account.accountId, asset, amount, reference });
    }
    const key = admin(`/v1/admin/accounts/${account.accountId}/api-keys`, {
      label: `loadtest-${run}`,
      scopes: ['read', 'trade'],
    });
    traders.push({
      keyId: key.keyId,
      secret: key.secret,
      accountId: account.accountId,
      ...(cfg.spreadIps ? { ip: clientIp(i) } : {}),
    });
  }
  return traders;
}

/**
 * An unsigned public GET (market data), from the trader's address.
 * @param {string} baseUrl
 * @param {string | undefined} ip
 * @param {string} target
 * @param {string} name
 */
export function publicGet(baseUrl, ip, target, name) {
  const res = http.get(baseUrl + target, { headers: ip ? { 'X-Forwarded-For': ip } : {}, tags: { name } });
  return counted(res, name);
}

/**
 * @template T
 * @param {T[]} list
 * @returns {T}
 */
export function pick(list) {
  const item = list[Math.floor(Math.random() * list.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}
