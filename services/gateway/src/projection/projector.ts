import { withTransaction, type Pool } from '@exchange/db';
import type { Logger } from '@exchange/service-kit';
import type { MarketRegistry } from '../markets/registry';
import { applyBatch } from './apply-batch';
import { archivedRun } from './archived-run';
import type { OpenOrdersMirror } from './open-orders-mirror';

/**
 * The read model's writer: per market, reads the `events` archive in seq order from its own
 * checkpoint and applies each batch in ONE transaction with the checkpoint (exactly-once). The
 * checkpoint row is locked FOR UPDATE, so several gateway processes may run it side by side.
 */
export class Projector {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private pending = false;

  constructor(
    private readonly pool: Pool,
    private readonly markets: MarketRegistry,
    private readonly log: Logger,
    private readonly opts: { batch: number; pollMs: number },
    /** Follows each committed batch (ADR 0026). */
    private readonly mirror?: OpenOrdersMirror,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  /** New events were seen on the market's stream. */
  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  /** Applies one batch of `market`; returns how many events it applied. */
  async step(symbol: string): Promise<number> {
    const market = this.markets.known(symbol);
    if (!market) return 0;
    const applied = await withTransaction(this.pool, async (client) => {
      await client.query('INSERT INTO projection_checkpoints (market) VALUES ($1) ON CONFLICT DO NOTHING', [symbol]);
      const cp = await client.query<{ last_seq: string }>(
        'SELECT last_seq FROM projection_checkpoints WHERE market = $1 FOR UPDATE',
        [symbol],
      );
      const last = Number(cp.rows[0]!.last_seq);
      const run = await archivedRun(client, symbol, last, this.opts.batch);
      if (!run.length) return null;
      await applyBatch(client, market, run);
      await client.query('UPDATE projection_checkpoints SET last_seq = $2, updated_at = now() WHERE market = $1', [
        symbol,
        last + run.length,
      ]);
      return { last, run };
    });
    if (!applied) return 0;
    await this.mirror?.applyRun(symbol, applied.last, applied.run);
    return applied.run.length;
  }

  /** Applies everything archived so far for every known market. */
  async catchUp(): Promise<void> {
    for (const m of this.markets.all()) {
      while ((await this.step(m.symbol)) > 0);
      await this.mirror?.ensure(m.symbol);
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.pending = false;
      try {
        await this.catchUp();
      } catch (err) {
        this.log.error({ err }, 'projection step failed; retrying');
      }
      if (this.pending || !this.running) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.opts.pollMs);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wakeUp = null;
    }
  }
}
