import type { PoolClient } from '@exchange/db';
import type { EngineEvent } from '@exchange/protocol';

/**
 * A market's archived events after `last`, at most `limit`, only as far as they run without a gap
 * (the archive may hold a later seq before an earlier one is committed). What a projection applies
 * next.
 */
export async function archivedRun(
  db: Pick<PoolClient, 'query'>,
  market: string,
  last: number,
  limit: number,
): Promise<EngineEvent[]> {
  const { rows } = await db.query<{ seq: string; body: EngineEvent }>(
    'SELECT seq, body FROM events WHERE market = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [market, last, limit],
  );
  const run: EngineEvent[] = [];
  for (const r of rows) {
    if (Number(r.seq) !== last + run.length + 1) break;
    run.push(r.body);
  }
  return run;
}
