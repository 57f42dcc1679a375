/**
 * Writes an archive without Redis: commands through the engine's MarketState and into events and
 * engine_commands with the engine's own archive transaction (COPY), as the live engine would have.
 */
import type { Pool } from '@exchange/db';
import { commitBatch, MarketState, type AppliedCommand } from '@exchange/engine';
import type { MarketConfig } from '@exchange/matching';

export function btcusdt(symbol: string): MarketConfig {
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

/** Applies commands until at least `minEvents` events exist; returns the state (the "live" book). */
export async function seedArchive(
  pool: Pool,
  config: MarketConfig,
  commands: Iterator<string>,
  minEvents: number,
  batch = 20_000,
): Promise<MarketState> {
  const state = new MarketState(config);
  let input = 1;
  while (state.seq < minEvents) {
    const applied: AppliedCommand[] = [];
    while (applied.length < batch && state.seq < minEvents) {
      const id = `${1_000_000 + input}-0`;
      input++;
      applied.push(state.applyRaw({ id, ms: id.split('-')[0]!, n: '0' }, commands.next().value as string, undefined));
    }
    await commitBatch(
      pool,
      [{ market: config.symbol, commands: applied, lastSeq: state.seq, lastInputId: state.lastInputId }],
      3,
    );
  }
  return state;
}
