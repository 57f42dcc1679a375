/** Start a replay, watch its progress, read its verdict: hashes match, or the first divergence. */
import type { ExchangeClient, ReplayJob, ReplayMarketResult, ReplayMode } from '@exchange/client';
import { describeError, type ShownError } from '../core/errors';
import { firstDivergence, parseUntil, TERMINAL_STATES, verdictOf } from '../core/replay-view';
import { byId, fill, h } from '../dom';

const POLL_MS = 500;

export class ReplayPanel {
  private watching: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: ExchangeClient,
    markets: string[],
    private readonly showError: (e: ShownError) => void,
  ) {
    fill(
      byId('replay-markets'),
      h('legend', null, 'markets'),
      ...markets.map((m) =>
        h(
          'label',
          null,
          h('input', { type: 'checkbox', value: m, checked: true, 'data-testid': `replay-market-${m}` }),
          ` ${m}`,
        ),
      ),
    );
    byId('replay-form').onsubmit = (ev) => {
      ev.preventDefault();
      void this.start();
    };
    byId('jobs-refresh').onclick = () => void this.listJobs();
    void this.listJobs();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watching = null;
  }

  private async start(): Promise<void> {
    const markets = [...byId('replay-markets').querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    if (!markets.length) return this.showError({ code: 'VALIDATION_FAILED', text: 'pick at least one market' });
    const until = parseUntil(
      byId<HTMLSelectElement>('replay-until-kind').value as 'end' | 'seq' | 'time',
      byId<HTMLInputElement>('replay-until').value,
    );
    if (typeof until === 'string') return this.showError({ code: 'VALIDATION_FAILED', text: until });
    const mode = byId<HTMLSelectElement>('replay-mode').value as ReplayMode;
    try {
      const { jobId } = await this.api.startReplay({ markets, mode, ...(until ? { until } : {}) });
      this.watch(jobId);
      void this.listJobs();
    } catch (err) {
      this.showError(describeError(err));
    }
  }

  watch(jobId: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.watching = jobId;
    const poll = async () => {
      if (this.watching !== jobId) return;
      try {
        const job = await this.api.replayJob(jobId);
        if (this.watching !== jobId) return;
        this.renderJob(job);
        if (!TERMINAL_STATES.includes(job.state)) this.timer = setTimeout(() => void poll(), POLL_MS);
        else void this.listJobs();
      } catch (err) {
        this.showError(describeError(err));
      }
    };
    void poll();
  }

  private async listJobs(): Promise<void> {
    try {
      const jobs = (await this.api.replayJobs({ limit: 20 })).items;
      fill(
        byId('jobs'),
        ...jobs.map((j) =>
          h(
            'tr',
            {
              class: j.jobId === this.watching ? 'selected' : '',
              'data-testid': 'replay-job-row',
              onclick: () => this.watch(j.jobId),
              style: 'cursor:pointer',
            },
            h('td', { class: 'hash' }, j.jobId),
            h('td', null, j.mode),
            h('td', null, j.markets.join(', ')),
            h('td', null, j.state),
            h('td', { class: 'num' }, String(j.progress.percent)),
          ),
        ),
      );
    } catch (err) {
      this.showError(describeError(err));
    }
  }

  private renderJob(job: ReplayJob): void {
    const v = verdictOf(job);
    const p = job.progress;
    const first = firstDivergence(job);
    const done = TERMINAL_STATES.includes(job.state);
    fill(
      byId('job'),
      h(
        'div',
        null,
        h('code', null, job.jobId),
        ` · ${job.mode} · ${job.markets.join(', ')}`,
        job.until ? ` · until ${JSON.stringify(job.until)}` : '',
      ),
      h(
        'div',
        { class: 'progress', 'data-testid': 'replay-progress', 'data-percent': p.percent },
        h('div', { style: `width:${Math.min(100, Math.max(0, p.percent))}%` }),
      ),
      h('small', { class: 'muted' }, `${p.eventsReplayed} / ${p.totalEvents} events · ${job.state}`),
      h(
        'div',
        {
          class: `verdict ${v.kind}`,
          'data-testid': 'replay-verdict',
          'data-state': job.state,
          'data-verdict': v.kind,
        },
        v.text,
      ),
      !done && h('button', { type: 'button', onclick: () => void this.cancel(job.jobId) }, 'Cancel job'),
      job.result && job.mode !== 'export' && this.resultTable(job.result.markets, job),
      first &&
        h(
          'div',
          null,
          h('b', null, `first divergence — ${first.where}`),
          h('pre', { 'data-testid': 'replay-divergence' }, JSON.stringify(first.divergence, null, 2)),
        ),
      job.state === 'completed' &&
        job.mode === 'export' &&
        h(
          'button',
          { type: 'button', 'data-testid': 'replay-download', onclick: () => void this.download(job.jobId) },
          'Download NDJSON',
        ),
    );
  }

  private resultTable(markets: ReplayMarketResult[], job: ReplayJob) {
    const b = job.result?.balances;
    const row = (what: string, seq: string, replayed: string, live: string | null, match: boolean) =>
      h(
        'tr',
        {
          'data-testid': 'replay-result-row',
          'data-what': what,
          'data-live': live === null ? 'none' : 'hash',
          'data-match': String(match),
        },
        h('td', null, what),
        h('td', { class: 'num' }, seq),
        h('td', { class: 'hash' }, replayed),
        h('td', { class: 'hash' }, live ?? '— (no live snapshot)'),
        h('td', { class: match ? 'ok' : 'bad' }, match ? '✓ match' : '✗ differs'),
      );
    return h(
      'table',
      null,
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, 'what'),
          h('th', null, 'seq'),
          h('th', null, 'replayed hash'),
          h('th', null, 'live hash'),
          h('th', null, ''),
        ),
      ),
      h(
        'tbody',
        null,
        ...markets.map((m) => row(m.market, String(m.seq), m.replayedHash, m.liveHash, m.match)),
        b && row('balances', '', b.replayedHash, b.liveHash, b.match),
      ),
    );
  }

  private async cancel(jobId: string): Promise<void> {
    try {
      await this.api.cancelReplay(jobId);
      this.watch(jobId);
    } catch (err) {
      this.showError(describeError(err));
    }
  }

  private async download(jobId: string): Promise<void> {
    try {
      const text = await this.api.replayExport(jobId);
      const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
      h('a', { href: url, download: `replay-${jobId}.ndjson` }).click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      this.showError(describeError(err));
    }
  }
}
