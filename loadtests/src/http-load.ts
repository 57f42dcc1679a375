/**
 * Runs one HTTP scenario with autocannon and measures it our way: every answer's status and
 * latency (p95 included, and coordinated-omission correction when the load is paced), 429 counted
 * as throttled, transport errors and timeouts as errors.
 */
import autocannon from 'autocannon';
import { classify } from '../k6/lib/workload.js';
import { LatencyRecorder, type ScenarioResult } from './stats';

export interface HttpRun {
  scenario: string;
  url: string;
  connections: number;
  durationSec: number;
  /** Total requests per second across connections (paced); absent = as fast as answers come. */
  overallRate?: number;
  requests: autocannon.Request[];
}

export interface HttpOutcome extends ScenarioResult {
  statuses: Record<string, number>;
}

export function runHttp(run: HttpRun): Promise<HttpOutcome> {
  const latency = new LatencyRecorder();
  // Each connection sends every `connections / rate` seconds: the interval a late answer delays.
  const expectedIntervalMs = run.overallRate ? (run.connections * 1000) / run.overallRate : 0;
  const statuses: Record<string, number> = {};
  let requests = 0;
  let throttled = 0;
  let errors = 0;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: run.url,
        connections: run.connections,
        duration: run.durationSec,
        ...(run.overallRate ? { overallRate: run.overallRate } : {}),
        requests: run.requests,
        timeout: 10,
      },
      (err) => {
        if (err) return reject(err);
        const seconds = (Date.now() - started) / 1000;
        resolve({
          scenario: run.scenario,
          requests,
          throttled,
          errors,
          p50: latency.percentile(50),
          p95: latency.percentile(95),
          p99: latency.percentile(99),
          throughput: requests / seconds,
          statuses,
          notes: {
            connections: run.connections,
            seconds: Number(seconds.toFixed(1)),
            ...(run.overallRate ? { 'offered rate/s': run.overallRate } : {}),
            ...Object.fromEntries(Object.entries(statuses).map(([status, n]) => [`HTTP ${status}`, n])),
          },
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
      requests++;
      statuses[status] = (statuses[status] ?? 0) + 1;
      const outcome = classify(status);
      if (outcome === 'throttled') throttled++;
      if (outcome === 'error') errors++;
      latency.record(responseTimeMs, expectedIntervalMs);
    });
    instance.on('reqError', () => {
      requests++;
      errors++;
      statuses.transport = (statuses.transport ?? 0) + 1;
    });
  });
}
