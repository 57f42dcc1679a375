/**
 * A minimal engine for end-to-end tests: consumer group `engine` on engine:{market}, drops inputs
 * whose `i` is not above the last applied (ADR 0003), applies the rest to a MarketBook, archives the
 * events with their command, publishes them on events:{market} with ids `${seq}-1`, then acks.
 */
import type { Pool } from '@exchange/db';
import { MarketBook, type MarketConfig } from '@exchange/matching';
import { compareStreamIds, consumerGroups, keys, type Command, type LockRejectReason } from '@exchange/protocol';
import type { Redis } from '@exchange/service-kit';

export class FakeEngine {
  readonly book: MarketBook;
  lastInput = '0-0';
  applied = 0;
  duplicates = 0;
  private stopping = false;
  private running: Promise<void> | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly reader: Redis,
    private readonly writer: Redis,
    private readonly config: MarketConfig,
  ) {
    this.book = new MarketBook(config);
  }

  async start(): Promise<void> {
    try {
      await this.writer.xgroup('CREATE', keys.engineStream(this.config.symbol), consumerGroups.engine, '0', 'MKSTREAM');
    } catch (e) {
      if (!String(e).includes('BUSYGROUP')) throw e;
    }
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    const stream = keys.engineStream(this.config.symbol);
    while (!this.stopping) {
      const reply = (await this.reader.xreadgroup(
        'GROUP',
        consumerGroups.engine,
        'e1',
        'COUNT',
        200,
        'BLOCK',
        50,
        'STREAMS',
        stream,
        '>',
      )) as Array<[string, Array<[string, string[]]>]> | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      const rows: Array<{ seq: number; commandId: string; ts: number; type: string; body: string }> = [];
      for (const [, f] of entries) {
        const field = (k: string) => f[f.indexOf(k) + 1];
        const i = field('i')!;
        if (compareStreamIds(i, this.lastInput) <= 0) {
          this.duplicates++;
          continue;
        }
        this.lastInput = i;
        this.applied++;
        const command = JSON.parse(field('c')!) as Command;
        const r = f.includes('r') ? (field('r') as LockRejectReason) : undefined;
        for (const e of this.book.apply(command, r)) {
          rows.push({
            seq: e.seq,
            commandId: command.commandId,
            ts: e.ts,
            type: e.type,
            body: JSON.stringify({ ...e, market: this.config.symbol, commandId: command.commandId }),
          });
        }
      }
      if (rows.length > 0) {
        await this.pool.query(
          `INSERT INTO events (market, seq, command_id, ts, type, body) SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::int8[], $5::text[], $6::json[])`,
          [
            this.config.symbol,
            rows.map((r) => r.seq),
            rows.map((r) => r.commandId),
            rows.map((r) => r.ts),
            rows.map((r) => r.type),
            rows.map((r) => r.body),
          ],
        );
        const p = this.writer.pipeline();
        for (const r of rows) p.xadd(keys.eventStream(this.config.symbol), `${r.seq}-1`, 'e', r.body);
        await p.exec();
      }
      await this.writer.xack(stream, consumerGroups.engine, ...entries.map(([id]) => id));
    }
  }
}
