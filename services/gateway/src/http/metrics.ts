import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * Request count and latency per route pattern and status (the pattern, never the raw path: bounded
 * labels). The pattern is the one the gateway's router recorded in `res.locals.route`, else
 * express's matched route. Each label combination's series is looked up once, not per request.
 */
export function httpMetrics(registry: Registry) {
  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const series = new Map<
    string,
    { counter: ReturnType<typeof requests.labels>; histogram: ReturnType<typeof latency.labels> }
  >();
  const seriesOf = (method: string, route: string, status: number) => {
    const key = `${method} ${route} ${status}`;
    let s = series.get(key);
    if (!s) {
      s = {
        counter: requests.labels({ method, route, status: String(status) }),
        histogram: latency.labels({ method, route }),
      };
      series.set(key, s);
    }
    return s;
  };
  const track = (req: Request, res: Response): void => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route =
        (res.locals.route as string | undefined) ?? (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const s = seriesOf(req.method, route, res.statusCode);
      s.counter.inc();
      s.histogram.observe(Number(process.hrtime.bigint() - start) / 1e9);
    });
  };
  return {
    /** Counts the request when its response is finished. */
    track,
    middleware: (req: Request, res: Response, next: NextFunction): void => {
      track(req, res);
      next();
    },
  };
}
