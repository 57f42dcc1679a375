/**
 * What one scenario measured, the latency percentiles, and the results table. Pure.
 */

export interface ScenarioResult {
  scenario: string;
  /** Requests sent (HTTP) or messages received (WebSocket). */
  requests: number;
  /** Answers 429: the rate limiter working as designed. */
  throttled: number;
  /** Anything else that is not a success: other 4xx/5xx, transport errors, timeouts, feed gaps. */
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  /** requests (or messages) per second over the scenario's measured duration. */
  throughput: number;
  /** Scenario-specific facts (offered rate, trades, clients…), printed under the table. */
  notes: Record<string, number | string>;
}

/**
 * Latencies in ms. With an expected interval (a paced, open-model-like load), a response slower
 * than the interval also records the requests that should have been sent while it was waiting
 * (HdrHistogram's recordValueWithExpectedInterval): coordinated-omission correction.
 */
export class LatencyRecorder {
  private readonly values: number[] = [];

  record(ms: number, expectedIntervalMs = 0): void {
    this.values.push(ms);
    if (expectedIntervalMs <= 0) return;
    for (let missed = ms - expectedIntervalMs; missed >= expectedIntervalMs; missed -= expectedIntervalMs) {
      this.values.push(missed);
    }
  }

  get count(): number {
    return this.values.length;
  }

  /** Nearest-rank percentile (p in 0..100); 0 when nothing was recorded. */
  percentile(p: number): number {
    if (this.values.length === 0) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
    return sorted[rank - 1]!;
  }
}

const COLUMNS = ['scenario', 'requests', 'throttled', 'errors', 'p50', 'p95', 'p99', 'throughput'] as const;

const ms = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

/** The results as a Markdown table (the format of docs/benchmarks.md), notes as a list below it. */
export function formatTable(results: ScenarioResult[]): string {
  const rows = results.map((r) => [
    r.scenario,
    String(r.requests),
    String(r.throttled),
    String(r.errors),
    ms(r.p50),
    ms(r.p95),
    ms(r.p99),
    `${Math.round(r.throughput)}/s`,
  ]);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const table = [line(COLUMNS), line(COLUMNS.map(() => '---')), ...rows.map(line)];
  const notes = results.map(
    (r) =>
      `- ${r.scenario}: ${Object.entries(r.notes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
  );
  return [...table, '', ...notes].join('\n');
}
