/**
 * The read-model check before every place — how many orders the account has open, and whether the
 * client order id is among them — with the places waiting on it sharing one query, one query at a
 * time. Under load that is one Postgres round trip for many orders instead of one each (in
 * `pnpm bench:gateway` that query was the largest single cost of a place). Each answer is
 * what a query of its own would have said, read from the same read model, which lags the engine
 * anyway: the book has the last word on both (ADR 0024).
 */
import { pgArray, pgTextArray, type Pool } from '@exchange/db';

export interface OpenSummary {
  open: number;
  duplicate: boolean;
}

interface Waiting {
  accountId: number;
  clientOrderId: string | undefined;
  resolve: (s: OpenSummary) => void;
  reject: (err: unknown) => void;
}

export class OpenSummaries {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(private readonly pool: Pick<Pool, 'query'>) {}

  get(accountId: number, clientOrderId: string | undefined): Promise<OpenSummary> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ accountId, clientOrderId, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /**
   * One query at a time: places that arrive while it runs wait for the next, which asks for all of
   * them. Under load the batches grow with the rate instead of the queries (a query's round trip
   * is the most a place waits for an earlier one).
   */
  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    try {
      await this.query(batch);
    } finally {
      if (this.waiting.length) setImmediate(() => void this.flush());
      else this.scheduled = false;
    }
  }

  private async query(batch: Waiting[]): Promise<void> {
    try {
      const accounts = [...new Set(batch.map((w) => w.accountId))];
      const clientIds = [...new Set(batch.flatMap((w) => (w.clientOrderId === undefined ? [] : [w.clientOrderId])))];
      // a named (prepared) statement: this runs for every place
      const { rows } = await this.pool.query<{ account_id: string; open: string; duplicates: string[] | null }>({
        name: 'gw-open-summaries',
        text: `SELECT account_id, count(*) AS open,
                      array_agg(client_order_id) FILTER (WHERE client_order_id = ANY($2::text[])) AS duplicates
                 FROM orders WHERE account_id = ANY($1::int8[]) AND status IN ('NEW', 'PARTIALLY_FILLED')
                GROUP BY account_id`,
        values: [pgArray(accounts), pgTextArray(clientIds)],
      });
      const byAccount = new Map(rows.map((r) => [Number(r.account_id), r]));
      for (const w of batch) {
        const row = byAccount.get(w.accountId);
        w.resolve({
          open: row ? Number(row.open) : 0,
          duplicate: w.clientOrderId !== undefined && (row?.duplicates?.includes(w.clientOrderId) ?? false),
        });
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
