/** Drives ccxt-driver.mjs (the real ccxt binance class in a child node process) from a test. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Json } from './binance-fetch';

export class CcxtError extends Error {
  constructor(
    readonly classes: string[],
    message: string,
  ) {
    super(`${classes[0]}: ${message}`);
  }
}

export interface CcxtOptions {
  apiKey?: string;
  secret?: string;
  /** Our gateway, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  options?: Record<string, unknown>;
  /** Record every HTTP request ccxt makes (`requests`). */
  log?: boolean;
  /** ccxt.pro's binance, its streams on this ws-feed URL (e.g. ws://127.0.0.1:8090/ws). */
  wsUrl?: string;
}

/** What aims ccxt's binance class at our server: `urls` and options only (README). */
export function ccxtConfig(o: CcxtOptions): Record<string, unknown> {
  const api = `${o.baseUrl}/api/v3`;
  return {
    apiKey: o.apiKey,
    secret: o.secret,
    urls: { api: { public: api, private: api, ...(o.wsUrl ? { ws: { spot: o.wsUrl } } : {}) } },
    ...(o.wsUrl ? { pro: true } : {}),
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false, ...o.options },
    log: o.log ?? false,
  };
}

export class CcxtRemote {
  readonly requests: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor(o: CcxtOptions) {
    this.child = spawn(process.execPath, [join(__dirname, 'ccxt-driver.mjs'), JSON.stringify(ccxtConfig(o))], {
      cwd: join(__dirname, '..', '..', '..'),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as {
        id?: number;
        request?: string;
        result?: unknown;
        error?: { classes: string[]; message: string };
      };
      if (msg.request) {
        this.requests.push(msg.request);
        return;
      }
      const p = this.pending.get(msg.id!);
      if (!p) return;
      this.pending.delete(msg.id!);
      if (msg.error) p.reject(new CcxtError(msg.error.classes, msg.error.message));
      else p.resolve(msg.result);
    });
  }

  /** Calls `exchange[method](...args)` in the child; rejects with CcxtError (its ccxt class chain). */
  call<T = Json>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(`${JSON.stringify({ id, method, args })}\n`);
    });
  }

  /** The ccxt error class names of a failing call (most specific first). */
  async failure(method: string, ...args: unknown[]): Promise<CcxtError> {
    try {
      await this.call(method, ...args);
    } catch (e) {
      if (e instanceof CcxtError) return e;
      throw e;
    }
    throw new Error(`${method} succeeded but should have failed`);
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
