import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '@exchange/service-kit';
import { openApiDocument } from './api/openapi';
import { errorMiddleware, notFoundMiddleware } from './http/errors-middleware';
import { httpMetrics } from './http/metrics';
import { rawBody } from './http/raw-body';
import { apiRoutes, type RouterDeps } from './http/router';
import type { AnyRoute } from './http/route';
import { binanceRouter, type BinanceDeps } from './binance/router';
import { accountRoutes } from './routes/account-routes';
import { adminRoutes } from './routes/admin-routes';
import { marketRoutes } from './routes/market-routes';
import { orderRoutes } from './routes/order-routes';
import { replayRoutes } from './routes/replay-routes';
import type { GatewayServices } from './routes/services';

export function allRoutes(s: GatewayServices): AnyRoute[] {
  return [...marketRoutes(s), ...orderRoutes(s), ...accountRoutes(s), ...adminRoutes(s), ...replayRoutes(s)];
}

export interface AppOptions {
  services: GatewayServices;
  router: RouterDeps;
  registry: Registry;
  log: Logger;
  bodyLimitBytes: number;
  trustProxyHops: number;
  ready: () => Promise<boolean>;
  /** The Binance-compatible surface under /api/v3 (services/gateway/src/binance). */
  binance?: Omit<BinanceDeps, 'services' | 'log'>;
}

/** The express app: raw body (signed bytes) with a size limit, the routes, ops endpoints, JSON errors. */
export function buildApp(o: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', o.trustProxyHops);
  const metrics = httpMetrics(o.registry);
  const routes = allRoutes(o.services);
  const api = apiRoutes(routes, o.router, { track: metrics.track, bodyLimitBytes: o.bodyLimitBytes });
  app.use(api.exact);
  app.use(metrics.middleware);
  app.use(rawBody(o.bodyLimitBytes));

  const openapi = openApiDocument(routes);
  app.get('/openapi.json', (_req, res) => void res.json(openapi));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const ok = await o.ready().catch(() => false);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(o.registry.contentType).send(await o.registry.metrics());
  });
  api.mount(app);
  if (o.binance) app.use('/api/v3', binanceRouter({ ...o.binance, services: o.services, log: o.log }));
  app.use(notFoundMiddleware);
  app.use(errorMiddleware(o.log));
  return app;
}
