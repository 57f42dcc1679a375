// The real ccxt package, driven from a jest test over stdin/stdout (ccxt's CommonJS build needs
// require(esm), which jest's module system does not offer; plain node imports its ESM build).
// In: one JSON line per call {id, method, args}; out: {id, result} or {id, error: {classes, message}}.
// `config` (argv[2], JSON) is passed to `new ccxt.binance(config)` unchanged (`ccxt.pro.binance`
// with `pro: true`, for the watch* methods); with `log: true` every HTTP request ccxt makes is
// reported as {request: "METHOD url"}.
import process from 'node:process';
import { createInterface } from 'node:readline';
import ccxt from 'ccxt';

const { log, pro, ...config } = JSON.parse(process.argv[2]);
const exchange = pro ? new ccxt.pro.binance(config) : new ccxt.binance(config);
// ccxt opens plain ws:// (not wss://) URLs only through an http agent it is told to load
if (pro) await exchange.loadHttpProxyAgent();
const write = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
if (log) {
  const fetch = exchange.fetch.bind(exchange);
  exchange.fetch = (url, method = 'GET', headers, body) => {
    write({ request: `${method} ${url}${body ? ` ${body}` : ''}` });
    return fetch(url, method, headers, body);
  };
}

function classes(err) {
  const out = [];
  for (let p = Object.getPrototypeOf(err); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    out.push(p.constructor.name);
  }
  return out;
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  const { id, method, args } = JSON.parse(line);
  try {
    const result = await exchange[method](...args);
    write({ id, result: result === undefined ? null : result });
  } catch (err) {
    write({ id, error: { classes: classes(err), message: String(err.message ?? err) } });
  }
}
