/**
 * The Binance-compatible surface under /api/v3: an express Router whose handlers translate onto
 * our order service and reads. Per request: parameters (query + form body), rate limit and — on
 * signed endpoints — key, timestamp and signature; then the endpoint's parameter list (-1104 for
 * anything else), then the handler. Every answer carries X-MBX-USED-WEIGHT-1M; every error is
 * Binance's `{code, msg}`.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from '@exchange/service-kit';
import { normalizeIp } from '../auth/api-keys';
import { ApiError } from '../errors';
import type { RateLimiter } from '../http/rate-limit';
import type { GatewayServices } from '../routes/services';
import { BinanceError, err } from './errors';
import { marketEndpoints } from './market-endpoints';
import { BinanceReads } from './market-reads';
import { BinanceOrders, toBinanceError } from './orders';
import { Params } from './params';
import { BinanceSigner, usedWeightHeaders, type BinanceAuth } from './signing';
import { tradeEndpoints } from './trade-endpoints';

export interface BinanceDeps {
  services: GatewayServices;
  /** A minute-window limiter (X-MBX-USED-WEIGHT-1M counts its weight). */
  limiter: RateLimiter;
  /** Brings the read model up to the archive (the projector's catchUp; a no-op without projection). */
  freshen: () => Promise<void>;
  log: Logger;
}

export interface EndpointContext {
  p: Params;
  /** Null only on public endpoints. */
  auth: BinanceAuth;
}

export interface Endpoint {
  method: 'get' | 'post' | 'delete';
  path: string;
  scope: 'public' | 'read' | 'trade';
  weight: number | ((p: Params) => number);
  /** Every parameter it reads besides timestamp, recvWindow, signature. */
  params: readonly string[];
  handler(ctx: EndpointContext): Promise<unknown>;
}

export interface EndpointDeps {
  s: GatewayServices;
  orders: BinanceOrders;
  reads: BinanceReads;
  weightPerMinute: number;
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function binanceRouter(d: BinanceDeps): Router {
  const router = express.Router();
  const signer = new BinanceSigner(d.services.apiKeys, d.limiter);
  const deps: EndpointDeps = {
    s: d.services,
    orders: new BinanceOrders(d.services, d.freshen),
    reads: new BinanceReads(d.services.pool),
    weightPerMinute: d.limiter.limits.ipWeight,
  };

  const fail = (res: Response, e: unknown, req: Request) => {
    let be: BinanceError;
    if (e instanceof BinanceError) be = e;
    else if (e instanceof ApiError) be = toBinanceError(e);
    else {
      d.log.error({ err: e, method: req.method, path: req.path }, 'binance surface: unhandled error');
      be = err.internal();
    }
    res.status(be.status).set(be.headers).json(be.toBody());
  };

  for (const e of [...marketEndpoints(deps), ...tradeEndpoints(deps)]) {
    router[e.method](e.path, async (req: Request, res: Response) => {
      try {
        const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
        const q = req.originalUrl.indexOf('?');
        const query = q < 0 ? '' : req.originalUrl.slice(q + 1);
        const p = Params.fromRequest(req.originalUrl, raw, header(req, 'content-type'));
        const ip = normalizeIp(req.ip ?? req.socket.remoteAddress ?? '');
        const weight = typeof e.weight === 'function' ? e.weight(p) : e.weight;
        let auth: BinanceAuth | null = null;
        if (e.scope === 'public') {
          res.set(usedWeightHeaders(await signer.admitPublic(ip, weight)));
        } else {
          const signed = await signer.verify(
            { query, body: raw, apiKey: header(req, 'x-mbx-apikey'), ip, params: p, once: e.method === 'post' },
            weight,
            e.scope,
          );
          auth = signed.auth;
          res.set(usedWeightHeaders(signed.admission));
        }
        p.only(e.params);
        res.status(200).json(await e.handler({ p, auth: auth! }));
      } catch (error) {
        fail(res, error, req);
      }
    });
  }
  router.use((_req: Request, res: Response) => {
    res.status(404).json(new BinanceError(-1020, 'This operation is not supported.', 404).toBody());
  });
  return router;
}
