/**
 * A flood from ONE client address rotating over many API keys: the per-key limits alone would let
 * it through, the per-IP limit must not. Requests arrive at RATE/s (open model); 429s are expected
 * and counted as throttled, not as errors, and each must carry Retry-After.
 *
 *   k6 run -e DEMO_KEYS_FILE=$PWD/.data/demo-keys.json -e RATE=400 -e DURATION=30s loadtests/k6/rate-limit-flood.js
 */
import { Counter } from 'k6/metrics';
import { config, env, envInt } from './lib/config.js';
import { createTraders, expectations, pick, signed } from './lib/http.js';

const accepted = new Counter('accepted_requests');

/** @type {import('k6/options').Options} */
export const options = {
  setupTimeout: '120s',
  scenarios: {
    flood: {
      executor: 'constant-arrival-rate',
      rate: envInt('RATE', 400),
      timeUnit: '1s',
      duration: env('DURATION', '30s'),
      preAllocatedVUs: envInt('VUS', 50),
      maxVUs: envInt('MAX_VUS', 300),
    },
  },
  thresholds: {
    throttled_requests: ['count>0'],
    error_requests: ['count==0'],
    http_req_failed: ['rate==0'],
    expectations_met: ['rate==1'],
  },
};

export function setup() {
  // Every key sends from this machine's one address: no per-trader X-Forwarded-For.
  return { keys: createTraders({ ...config, spreadIps: false }, envInt('KEYS', 50)) };
}

/** @param {{ keys: import('./lib/signing.js').ApiKey[] }} data */
export default function (data) {
  const res = signed(config.baseUrl, pick(data.keys), 'GET', '/v1/account/balances', undefined, 'balances');
  if (res.status === 200) accepted.add(1);
  const retryAfter = Number(res.headers['Retry-After']);
  expectations.add(res.status === 200 || (res.status === 429 && Number.isInteger(retryAfter) && retryAfter >= 1));
}
