import type { Pool } from '@exchange/db';
import { feeFor, MarketBook, type MarketConfig } from '@exchange/matching';
import { keys, type Command, type LockRejectReason } from '@exchange/protocol';
import { createRedis, type Redis } from '@exchange/service-kit';

/**
 * A stand-in for the balance manager's lock stage and the engine, for gateway tests: reads
 * cmd:{market}, refuses places the account cannot pay for (INSUFFICIENT_FUNDS, against the
 * `balances` table; nothing is locked), applies the rest to a real MarketBook, writes the events to the `events` archive and
 * publishes them on events:{market} with ids `${seq}-1`, as the engine does. No settlement.
 */
export class FakePipeline {
  private readonly book: MarketBook;
  private readonly redis: Redis;
  private position = '0-0';
  private running = false;
  private loop: Promise<void> | null = null;
  /** Commands seen, in stream order. */
  readonly commands: Command[] = [];

  constructor(
    private readonly pool: Pool,
    redisUrl: string,
    readonly config: MarketConfig,
  ) {
    this.book = new MarketBook(config);
    this.redis = createRedis(redisUrl, 'fake-pipeline');
  }

  async start(): Promise<void> {
    const last = (await this.redis.xrevrange(keys.commandStream(this.config.symbol), '+', '-', 'COUNT', 1)) as Array<
      [string, string[]]
    >;
    this.position = last[0]?.[0] ?? '0-0';
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.redis.disconnect();
  }

  private async lockRefusal(cmd: Command): Promise<LockRejectReason | undefined> {
    if (cmd.type !== 'place') return undefined;
    const m = this.book.market;
    let asset: string;
    let need: bigint;
    if (cmd.side === 'sell') {
      asset = m.base.code;
      const lots = cmd.qty ? m.parseQty(cmd.qty) : null;
      need = lots?.ok ? m.lotsToBaseMinor(lots.value) : 0n;
    } else {
      asset = m.quote.code;
      const ticks = cmd.price ? m.parsePrice(cmd.price) : null;
      const lots = cmd.qty ? m.parseQty(cmd.qty) : null;
      if (ticks?.ok && lots?.ok) {
        const n = m.notionalMinor(ticks.value, lots.value);
        need = n + feeFor(n, this.config.takerFeeBps);
      } else need = 0n;
    }
    const { rows } = await this.pool.query<{ available: string }>(
      'SELECT available FROM balances WHERE account = $1 AND asset = $2',
      [cmd.accountId, asset],
    );
    if (BigInt(rows[0]?.available ?? 0) < need) return 'INSUFFICIENT_FUNDS';
    return undefined;
  }

  private async run(): Promise<void> {
    const stream = keys.commandStream(this.config.symbol);
    while (this.running) {
      const reply = (await this.redis.xread('COUNT', 100, 'BLOCK', 50, 'STREAMS', stream, this.position)) as Array<
        [string, Array<[string, string[]]>]
      > | null;
      if (!reply) continue;
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          this.position = id;
          const f: Record<string, string> = {};
          for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
          const cmd = JSON.parse(f.c!) as Command;
          if (cmd.type === 'place') cmd.orderId = Number(f.orderId);
          this.commands.push(cmd);
          await this.apply(cmd);
        }
      }
    }
  }

  private async apply(cmd: Command): Promise<void> {
    const events = this.book.apply(cmd, await this.lockRefusal(cmd));
    if (!events.length) return;
    const bodies = events.map((e) => ({ ...e, market: this.config.symbol, commandId: cmd.commandId }));
    await this.pool.query(
      `INSERT INTO events (market, seq, command_id, ts, type, body)
       SELECT $1, (b->>'seq')::bigint, $2, (b->>'ts')::bigint, b->>'type', b::json FROM json_array_elements($3::json) b`,
      [this.config.symbol, cmd.commandId, JSON.stringify(bodies)],
    );
    const p = this.redis.multi(); // atomic, as the engine's publish script is: a reader sees all of a command's events or none
    for (const b of bodies) p.xadd(keys.eventStream(this.config.symbol), `${b.seq}-1`, 'e', JSON.stringify(b));
    await p.exec();
  }
}
