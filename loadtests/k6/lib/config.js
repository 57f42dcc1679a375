/**
 * Settings of the k6 scripts, from `k6 run -e NAME=value` (or the environment). The defaults are
 * the URLs `./exchange start` prints. The admin key that creates the load-test traders comes from
 * ADMIN_KEY_ID + ADMIN_SECRET, or from the demo-keys file the start command writes
 * (`-e DEMO_KEYS_FILE=$PWD/.data/demo-keys.json`, read with k6's `open()` in the init context).
 */

/**
 * @param {string} name
 * @param {string} fallback
 */
export function env(name, fallback) {
  const v = __ENV[name];
  return v === undefined || v === '' ? fallback : v;
}

/**
 * @param {string} name
 * @param {number} fallback
 */
export function envInt(name, fallback) {
  const v = Number(env(name, String(fallback)));
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer, got ${__ENV[name]}`);
  return v;
}

/**
 * k6 resolves a relative path given to open() against a script's folder, not the folder k6 runs
 * in; so a relative DEMO_KEYS_FILE is made absolute with the shell's PWD (k6 run passes the
 * environment into __ENV), and `-e DEMO_KEYS_FILE=$PWD/...` works everywhere.
 * @param {string} file
 */
function fromWorkingDir(file) {
  const pwd = __ENV.PWD;
  return file.startsWith('/') || !pwd ? file : `${pwd.replace(/\/$/, '')}/${file}`;
}

/** @returns {import('./signing.js').ApiKey} */
function adminKey() {
  const keyId = env('ADMIN_KEY_ID', '');
  const secret = env('ADMIN_SECRET', '');
  if (keyId && secret) return { keyId, secret, accountId: 0 };
  const file = env('DEMO_KEYS_FILE', '');
  if (!file) throw new Error('set ADMIN_KEY_ID and ADMIN_SECRET, or DEMO_KEYS_FILE=<path of .data/demo-keys.json>');
  /** @type {Array<{owner: string, keyId: string, secret: string, accountId: number}>} */
  const keys = JSON.parse(open(fromWorkingDir(file)));
  const admin = keys.find((k) => k.owner === 'admin');
  if (!admin) throw new Error(`${file} has no admin key`);
  return { keyId: admin.keyId, secret: admin.secret, accountId: admin.accountId };
}

export const config = {
  baseUrl: env('BASE_URL', 'http://127.0.0.1:8080'),
  wsUrl: env('WS_URL', 'ws://127.0.0.1:8090'),
  admin: adminKey(),
  /** Traders (accounts with funds and a trade key) created in setup(). */
  traders: envInt('TRADERS', 20),
  /**
   * Give each trader its own client address in X-Forwarded-For, as distinct bots behind a proxy
   * would have (the gateway honours it with TRUST_PROXY_HOPS=1; otherwise every request counts
   * against this machine's single address).
   */
  spreadIps: env('SPREAD_IPS', 'true') === 'true',
};
