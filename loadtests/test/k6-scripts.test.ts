/**
 * What the issue requires of the k6 scripts that a type check does not show: only k6/http, k6/ws and
 * k6/metrics (plus their own lib/), an open model (arrival-rate executors) for the HTTP load,
 * thresholds, and default URLs equal to what `./exchange start` prints.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const K6 = join(__dirname, '..', 'k6');
const ALLOWED = new Set(['k6/http', 'k6/ws', 'k6/metrics']);
const files = [
  ...readdirSync(K6).filter((f) => f.endsWith('.js')),
  ...readdirSync(join(K6, 'lib')).map((f) => `lib/${f}`),
];
const source = (f: string) => readFileSync(join(K6, f), 'utf8');
const imports = (src: string) => [...src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);

test('the scripts import only k6/http, k6/ws, k6/metrics and their own modules', () => {
  expect(files.length).toBeGreaterThanOrEqual(8);
  for (const f of files) {
    const src = source(f);
    expect([f, /\brequire\(/.test(src)]).toEqual([f, false]);
    for (const i of imports(src)) expect([f, i, ALLOWED.has(i) || i.startsWith('./')]).toEqual([f, i, true]);
  }
});

test('four scenarios, each with thresholds; HTTP load comes from arrival-rate executors', () => {
  const scripts = files.filter((f) => !f.startsWith('lib/')).sort();
  expect(scripts).toEqual(['mixed-trading.js', 'order-placement.js', 'rate-limit-flood.js', 'ws-subscribers.js']);
  for (const f of scripts) {
    const src = source(f);
    expect([f, /export const options/.test(src), /thresholds:/.test(src)]).toEqual([f, true, true]);
    expect([f, /executor: '(constant|ramping)-arrival-rate'/.test(src)]).toEqual([f, true]);
    expect([f, /executor: '(constant|ramping)-vus'/.test(src)]).toEqual([f, false]);
  }
  expect(source('ws-subscribers.js')).toMatch(/import ws from 'k6\/ws'/);
});

test('default URLs are the ones ./exchange start prints', () => {
  const start = readFileSync(join(__dirname, '..', '..', 'scripts', 'start.ts'), 'utf8');
  const gatewayPort = /GATEWAY_PORT: process\.env\.GATEWAY_PORT \?\? '(\d+)'/.exec(start)?.[1];
  const wsPort = /WS_PORT: process\.env\.WS_PORT \?\? '(\d+)'/.exec(start)?.[1];
  const config = source('lib/config.js');
  expect(config).toContain(`'http://127.0.0.1:${gatewayPort}'`);
  expect(config).toContain(`'ws://127.0.0.1:${wsPort}'`);
});

test('the admin key comes from DEMO_KEYS_FILE, a relative path taken from the folder k6 runs in', () => {
  // lib/config.js imports nothing: evaluated as a plain function body with k6's two globals it uses
  const body = source('lib/config.js').replace(/^export /gm, '');
  const opened: string[] = [];
  const load = (env: Record<string, string>) =>
    (
      new Function('__ENV', 'open', `${body}\nreturn config;`) as (
        e: Record<string, string>,
        o: (p: string) => string,
      ) => { admin: unknown }
    )(env, (path) => {
      opened.push(path);
      return JSON.stringify([{ owner: 'admin', keyId: 'ak_1', secret: 's3', accountId: 100 }]);
    });
  expect(load({ DEMO_KEYS_FILE: '.data/demo-keys.json', PWD: '/home/me/exchange' }).admin).toEqual({
    keyId: 'ak_1',
    secret: 's3',
    accountId: 100,
  });
  load({ DEMO_KEYS_FILE: '/srv/keys.json', PWD: '/home/me/exchange' });
  expect(opened).toEqual(['/home/me/exchange/.data/demo-keys.json', '/srv/keys.json']);
  expect(() => load({})).toThrow(/DEMO_KEYS_FILE/);
});
