import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';

export interface OpsServer {
  server: Server;
  port: number;
  registry: Registry;
  close(): Promise<void>;
}

/**
 * /healthz (the process is alive), /readyz (its dependencies answer: `ready()` resolves true) and
 * /metrics (Prometheus text) for a service that has no HTTP server of its own.
 */
export async function startOpsServer(opts: {
  port: number;
  service: string;
  registry?: Registry;
  ready: () => Promise<boolean>;
}): Promise<OpsServer> {
  const registry = opts.registry ?? createRegistry(opts.service);
  const server = createServer((req, res) => {
    const send = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.url === '/healthz') return send(200, '{"status":"ok"}');
    if (req.url === '/readyz') {
      opts.ready().then(
        (ok) => send(ok ? 200 : 503, JSON.stringify({ status: ok ? 'ready' : 'not_ready' })),
        (err: Error) => send(503, JSON.stringify({ status: 'not_ready', error: err.message })),
      );
      return;
    }
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => send(200, text, registry.contentType),
        (err: Error) => send(500, JSON.stringify({ error: err.message })),
      );
      return;
    }
    send(404, '{"code":"NOT_FOUND","message":"no such endpoint"}');
  });
  await new Promise<void>((resolve) => server.listen(opts.port, '0.0.0.0', resolve));
  return {
    server,
    registry,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
