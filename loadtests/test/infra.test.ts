/**
 * The deployment files in infra/ checked against the code they deploy: every manifest parses, every
 * long-running container has liveness and readiness probes, entry points and env names exist in the
 * services, the engine shards line up with the seeded markets, Redis is durable, Prometheus scrapes
 * every service where it listens, and every metric a dashboard or alert queries is defined in code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const INFRA = join(ROOT, 'infra');
const read = (...p: string[]) => readFileSync(join(ROOT, ...p), 'utf8');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function yamlDocs(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as Obj).filter(Boolean);
}

const k8sDir = join(INFRA, 'k8s');
const k8sFiles = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml'));
const manifests = k8sFiles.flatMap((f) => yamlDocs(join(k8sDir, f)).map((doc) => ({ file: f, doc })));
const kinds = (kind: string) => manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const workloads = [...kinds('Deployment'), ...kinds('StatefulSet')];
const compose = parse(readFileSync(join(INFRA, 'compose', 'docker-compose.yml'), 'utf8'), { merge: true }) as Obj;

/** Env names a service reads: its config schema, service-kit's base schema; the master key is shared. */
function knownEnv(entry: string): Set<string> {
  const sources = [read('packages/service-kit/src/config.ts')];
  const service = /^services\/([^/]+)\//.exec(entry)?.[1];
  if (service) sources.push(read('services', service, 'src', 'config.ts'));
  else sources.push(read(entry));
  const names = new Set(['GATEWAY_MASTER_KEY']);
  for (const s of sources) for (const m of s.matchAll(/\b([A-Z][A-Z0-9_]{2,})\b/g)) names.add(m[1]!);
  return names;
}

/** The script an image command runs: node flags (`--max-semi-space-size=64`) come before it. */
const scriptOf = (args: string[]): string => args.find((a) => !a.startsWith('-'))!;

describe('Kubernetes manifests (infra/k8s)', () => {
  test('kustomization lists every manifest except the secret example', () => {
    const k = yamlDocs(join(k8sDir, 'kustomization.yaml'))[0]!;
    const expected = k8sFiles.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort();
    expect([...(k.resources as string[])].sort()).toEqual(expected);
  });

  test('every long-running container has liveness and readiness probes on /healthz and /readyz', () => {
    expect(workloads.length).toBeGreaterThanOrEqual(6);
    for (const w of workloads) {
      for (const c of w.spec.template.spec.containers as Obj[]) {
        const where = `${w.metadata.name}/${c.name}`;
        expect([where, Boolean(c.livenessProbe && c.readinessProbe)]).toEqual([where, true]);
        if (c.image === 'exchange') {
          expect([where, c.livenessProbe.httpGet?.path, c.readinessProbe.httpGet?.path]).toEqual([
            where,
            '/healthz',
            '/readyz',
          ]);
        }
      }
    }
  });

  test('exchange containers start real entry points with env names the service reads', () => {
    const config = kinds('ConfigMap').find((c) => c.metadata.name === 'exchange-config')!;
    const jobs = kinds('Job').map((j) => ({ ...j, spec: { template: j.spec.template } }));
    const containers = [...workloads, ...jobs].flatMap((w) => [
      ...((w.spec.template.spec.containers as Obj[]) ?? []),
      ...((w.spec.template.spec.initContainers as Obj[]) ?? []),
    ]);
    const exchange = containers.filter((c) => c.image === 'exchange');
    expect(exchange.length).toBeGreaterThanOrEqual(6);
    for (const c of exchange) {
      const entry = scriptOf(c.args as string[]);
      expect([entry, existsSync(join(ROOT, entry))]).toEqual([entry, true]);
      const known = knownEnv(entry);
      const fromConfig = ((c.envFrom as Obj[]) ?? []).some((e) => e.configMapRef?.name === 'exchange-config');
      const names = [
        ...((c.env as Obj[]) ?? []).map((e) => e.name as string),
        ...(fromConfig ? Object.keys(config.data) : []),
      ];
      for (const n of names) expect([entry, n, known.has(n)]).toEqual([entry, n, true]);
    }
  });

  test('gateway and ws-feed scale with an HPA; the engine is a StatefulSet, one shard per replica', () => {
    const hpaTargets = kinds('HorizontalPodAutoscaler')
      .map((h) => h.spec.scaleTargetRef.name)
      .sort();
    expect(hpaTargets).toEqual(['gateway', 'ws-feed']);
    for (const name of hpaTargets) expect(kinds('Deployment').some((d) => d.metadata.name === name)).toBe(true);

    const engine = kinds('StatefulSet').find((s) => s.metadata.name === 'engine')!;
    const shardEnv = (engine.spec.template.spec.containers[0].env as Obj[]).find((e) => e.name === 'ENGINE_SHARD');
    expect(shardEnv!.valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    const sql = kinds('ConfigMap').find((c) => c.metadata.name === 'market-shards')!.data['shards.sql'] as string;
    const assigned = [...sql.matchAll(/shard = '(engine-(\d+))' WHERE symbol = '([A-Z0-9]+)'/g)];
    expect(assigned.length).toBeGreaterThan(0);
    const seeded = read('scripts/start.ts');
    const shards = new Set<string>();
    for (const [, shard, ordinal, symbol] of assigned) {
      expect(Number(ordinal)).toBeLessThan(engine.spec.replicas);
      expect(seeded).toContain(`'${symbol}'`);
      shards.add(shard!);
    }
    expect(shards.size).toBe(engine.spec.replicas); // no idle replica, no shard without a replica

    const bm = kinds('Deployment').find((d) => d.metadata.name === 'balance-manager')!;
    expect([bm.spec.replicas, bm.spec.strategy.type]).toEqual([1, 'Recreate']);
  });

  test('Redis runs with AOF, fsync always and no eviction', () => {
    const redis = kinds('StatefulSet').find((s) => s.metadata.name === 'redis')!;
    const args = (redis.spec.template.spec.containers[0].args as string[]).join(' ');
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--appendfsync always');
    expect(args).toContain('--maxmemory-policy noeviction');
  });
});

describe('docker compose (infra/compose)', () => {
  const services = compose.services as Record<string, Obj>;
  const exchangeServices = Object.entries(services).filter(([, s]) => s.image === 'exchange:dev');

  test('the full stack is there, each exchange service on a real entry point with known env names', () => {
    const stack = ['redis', 'postgres', 'migrate', 'engine', 'balance-manager', 'gateway', 'ws-feed', 'replay', 'web'];
    for (const name of stack) {
      expect(Object.keys(services)).toContain(name);
    }
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['prometheus', 'grafana']));
    for (const [name, s] of exchangeServices) {
      const entry = scriptOf(s.command as string[]);
      expect([name, existsSync(join(ROOT, entry))]).toEqual([name, true]);
      const known = knownEnv(entry);
      for (const n of Object.keys(s.environment)) expect([name, n, known.has(n)]).toEqual([name, n, true]);
      if (name !== 'migrate') {
        expect(s.depends_on.migrate.condition).toBe('service_completed_successfully');
        expect(s.healthcheck.test.join(' ')).toContain('/readyz');
      }
    }
  });

  test('Redis is durable', () => {
    const cmd = (services.redis!.command as string[]).join(' ');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--appendfsync always');
    expect(cmd).toContain('--maxmemory-policy noeviction');
  });

  test('Prometheus scrapes every exchange service where it serves /metrics', () => {
    const prom = parse(readFileSync(join(INFRA, 'prometheus', 'prometheus.yml'), 'utf8')) as Obj;
    const targets = new Set((prom.scrape_configs as Obj[]).flatMap((j) => j.static_configs[0].targets as string[]));
    for (const [name, s] of exchangeServices) {
      if (name === 'migrate') continue;
      // The gateway and the pages serve /metrics on their HTTP port, the others on OPS_PORT.
      const port = s.environment.PORT ?? s.environment.WEB_PORT ?? s.environment.OPS_PORT;
      expect(targets).toContain(`${name}:${port}`);
    }
  });
});

describe('dashboard and alerts query metrics that exist', () => {
  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );
  }
  const defined = new Set<string>(['up']); // Prometheus's own
  const srcDirs = [
    join(ROOT, 'packages', 'service-kit', 'src'),
    ...readdirSync(join(ROOT, 'services')).map((s) => join(ROOT, 'services', s, 'src')),
  ].filter(existsSync);
  for (const f of srcDirs.flatMap(sourceFiles)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/name: '([a-z_:][a-z0-9_:]*)'/g)) defined.add(m[1]!);
  }
  const NOT_METRICS = new Set(
    'sum max min avg count rate irate increase histogram_quantile by without on ignoring and or unless le'.split(' '),
  );
  /** Metric names in a PromQL expression: identifiers outside label matchers, ranges and grouping clauses. */
  function metricsOf(expr: string): string[] {
    const bare = expr
      .replace(/"[^"]*"/g, '')
      .replace(/\{[^}]*\}/g, ' ')
      .replace(/\[[^\]]*\]/g, ' ')
      .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ');
    return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
      .map((m) => m[0])
      .filter((t) => !NOT_METRICS.has(t))
      .map((t) => t.replace(/_(bucket|sum|count)$/, ''));
  }

  const dashboard = JSON.parse(readFileSync(join(INFRA, 'grafana', 'dashboards', 'exchange.json'), 'utf8')) as Obj;
  const panels = dashboard.panels as Obj[];
  const alerts = parse(readFileSync(join(INFRA, 'prometheus', 'alerts.yml'), 'utf8')) as Obj;

  test('the metric extraction finds the names it should', () => {
    expect(metricsOf('histogram_quantile(0.99, sum by (le) (rate(engine_batch_seconds_bucket{a="b"}[1m])))')).toEqual([
      'engine_batch_seconds',
    ]);
    expect(defined).toContain('engine_stream_lag');
    expect(defined).toContain('gateway_http_requests_total');
  });

  test('every dashboard and alert query uses only defined metrics', () => {
    const exprs = [
      ...panels.flatMap((p) => (p.targets as Obj[]).map((t) => t.expr as string)),
      ...(alerts.groups as Obj[]).flatMap((g) => (g.rules as Obj[]).map((r) => r.expr as string)),
    ];
    expect(exprs.length).toBeGreaterThan(15);
    for (const e of exprs) {
      const names = metricsOf(e);
      expect([e, names.length > 0]).toEqual([e, true]);
      for (const n of names) expect([e, n, defined.has(n)]).toEqual([e, n, true]);
    }
  });

  test('the dashboard shows orders/s, match latency, stream lag, WebSocket clients and rate-limited requests', () => {
    const titles = panels.map((p) => p.title as string);
    for (const t of ['Orders/s', 'Match latency', 'Stream lag', 'WebSocket clients', 'Rate-limited requests']) {
      expect(titles).toContain(t);
    }
    const provisioned = parse(
      readFileSync(join(INFRA, 'grafana', 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
    ) as Obj;
    const uid = provisioned.datasources[0].uid as string;
    for (const p of panels) expect(p.datasource.uid).toBe(uid);
  });
});
