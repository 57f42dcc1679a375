/**
 * The engine's output pipeline without its streams: the real MarketState (book behind units), the
 * real archive commit (events, commands, checkpoint, snapshot rows), the real md derivation
 * (MarketDataBuilder) and the same Redis publishes. Tests drive it with batches of wire commands.
 */
import type { Pool } from '@exchange/db';
import {
  MarketDataBuilder,
  MarketState,
  commitBatch,
  takeSnapshot,
  type AppliedCommand,
  type MarketDataOut,
} from '@exchange/engine';
import type { MarketConfig } from '@exchange/matching';
import type { L2Levels } from '../../src';
import type { WireCommand } from './workload';

export function marketConfig(symbol: string): MarketConfig {
  return {
    symbol,
    base: { code: 'BTC', decimals: 8 },
    quote: { code: 'USDT', decimals: 8 },
    tickSize: '0.01',
    lotSize: '0.00001',
    minQty: '0.00001',
    minNotional: '0',
    makerFeeBps: 10,
    takerFeeBps: 20,
  };
}

/** The markets row the services read (assets BTC/USDT with 8 decimals). */
export async function insertMarket(pool: Pool, symbol: string): Promise<void> {
  await pool.query(`INSERT INTO assets (code, decimals) VALUES ('BTC', 8), ('USDT', 8) ON CONFLICT DO NOTHING`);
  await pool.query(
    `INSERT INTO markets (symbol, base, quote, tick_size, lot_size, min_qty, min_notional, maker_fee_bps, taker_fee_bps)
     VALUES ($1, 'BTC', 'USDT', '0.01', '0.00001', '0.00001', '0', 10, 20)`,
    [symbol],
  );
}

interface RedisPublisher {
  pipeline(): { publish(channel: string, message: string): unknown; exec(): Promise<unknown> };
}

export class EngineSim {
  readonly state: MarketState;
  readonly md: MarketDataBuilder;
  private input = 0;

  constructor(
    readonly symbol: string,
    readonly depth = 10,
  ) {
    this.state = new MarketState(marketConfig(symbol));
    this.md = new MarketDataBuilder(this.state.mb.market, depth, 0);
  }

  get book() {
    return this.state.mb.book;
  }

  /** Applies one batch of commands; returns what the engine would archive and publish. */
  batch(commands: WireCommand[]): { applied: AppliedCommand[]; out: MarketDataOut } {
    const applied = commands.map((c) => {
      this.input++;
      const text = JSON.stringify(c);
      return this.state.applyValue({ id: `1-${this.input}`, ms: '1', n: String(this.input) }, c, text, null);
    });
    return { applied, out: this.md.build(applied, this.book) };
  }

  /** Archives a batch as the engine does (optionally with a snapshot row in the same transaction). */
  async archive(pool: Pool, applied: AppliedCommand[], withSnapshot = false): Promise<void> {
    const lastInputId = this.state.lastInputId;
    await commitBatch(
      pool,
      [
        {
          market: this.symbol,
          commands: applied,
          lastSeq: this.book.seq,
          lastInputId,
          snapshot: withSnapshot ? takeSnapshot(this.book, lastInputId) : undefined,
        },
      ],
      3,
    );
  }

  async publish(redis: RedisPublisher, out: MarketDataOut): Promise<void> {
    const p = redis.pipeline();
    for (const m of out.md) p.publish(`md:${this.symbol}`, m);
    for (const [account, m] of out.accounts) p.publish(`acct:${account}`, m);
    await p.exec();
  }

  /** The engine book's L2 as decimal strings, best first. */
  l2(depth = Infinity): L2Levels {
    const m = this.state.mb.market;
    const v = this.book.l2(depth);
    return {
      bids: v.bids.map((l) => [m.formatPrice(l.price), m.formatQty(l.qty)]),
      asks: v.asks.map((l) => [m.formatPrice(l.price), m.formatQty(l.qty)]),
    };
  }
}
