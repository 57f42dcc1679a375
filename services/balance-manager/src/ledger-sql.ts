/**
 * The set-based writes every money movement goes through: ledger entries and the balances they
 * change, each one statement over arrays (unnest), whatever the batch size.
 */
import { CopyBuffer, copyIn, copyText, pgArray, pgTextArray, type PoolClient } from '@exchange/db';
import { balanceDeltas, type Posting } from '@exchange/ledger';
import { EXTERNAL_ACCOUNT_ID } from './system-accounts';

/** A posting with its cause; a cause is recorded once (ledger_causes), so nothing is ever applied twice. */
export interface LedgerEntry extends Posting {
  cause: string;
  line: number;
}

export const causes = {
  event: (market: string, seq: number) => `e:${market}:${seq}`,
  command: (market: string, inputId: string) => `c:${market}:${inputId}`,
  transfer: (id: string) => `t:${id}`,
};

/** Numbers one cause's postings as ledger lines 0, 1, 2, … (appending to `into`). */
export function addEntries(into: LedgerEntry[], cause: string, postings: readonly Posting[]): void {
  let line = 0;
  for (const p of postings)
    into.push({ account: p.account, asset: p.asset, bucket: p.bucket, amount: p.amount, cause, line: line++ });
}

/**
 * Records the causes (a second time fails on ledger_causes' primary key, aborting the transaction)
 * and appends their entries, both by COPY.
 */
export async function insertEntries(client: PoolClient, entries: readonly LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = new CopyBuffer();
  const causeRows = new CopyBuffer();
  let current: string | undefined;
  let field = '';
  let count = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.cause !== current) {
      if (current !== undefined) causeRows.text(field, true).tab().int(count).endRow();
      current = e.cause;
      field = copyText(current);
      count = 0;
    }
    count++;
    rows.text(field, true).tab().int(e.line).tab().int(e.account).tab().text(e.asset).tab();
    rows.text(e.bucket, true).tab().big(e.amount).endRow();
  }
  causeRows.text(field, true).tab().int(count).endRow();
  await copyIn(client, 'COPY ledger_causes (cause, entries) FROM STDIN', causeRows.take());
  await copyIn(client, 'COPY ledger_entries (cause, line, account, asset, bucket, amount) FROM STDIN', rows.take());
}

export interface BalanceRow {
  account: number;
  asset: string;
  available: bigint;
  locked: bigint;
}

/**
 * Applies the net effect of `postings` to balances: locks every touched row in (account, asset)
 * order — the order every writer uses, so two transactions do not wait on each other in a cycle —
 * creating the missing ones at zero (a rare first receipt; a deadlock it might cause is retried
 * by withTransaction), then adds the deltas. A result below zero violates the CHECK and
 * aborts the transaction. The external account has no balance row: its side lives in the ledger only.
 * Batch callers run `preferKeyLookups` first, so that thousands of keys stay index probes.
 * Returns the new values of the changed rows.
 */
export async function applyPostings(client: PoolClient, postings: Iterable<Posting>): Promise<BalanceRow[]> {
  const deltas = balanceDeltas(postings).filter(
    (d) => d.account !== EXTERNAL_ACCOUNT_ID && (d.available !== 0n || d.locked !== 0n),
  );
  if (deltas.length === 0) return [];
  deltas.sort((a, b) => a.account - b.account || (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
  const accounts = deltas.map((d) => d.account);
  const assets = deltas.map((d) => d.asset);
  const lock = (a: number[], s: string[]) =>
    client.query<{ account: string; asset: string }>(
      `SELECT b.account, b.asset FROM balances b JOIN unnest($1::int8[], $2::text[]) AS k(account, asset) USING (account, asset)
        ORDER BY b.account, b.asset FOR UPDATE OF b`,
      [pgArray(a), pgTextArray(s)],
    );
  const found = await lock(accounts, assets);
  if (found.rows.length < deltas.length) {
    // First balance of an account in an asset (receiving it): create at zero, then lock it too.
    const have = new Set(found.rows.map((r) => `${r.account}\u0000${r.asset}`));
    const missing = deltas.filter((d) => !have.has(`${d.account}\u0000${d.asset}`));
    const ma = missing.map((d) => d.account);
    const ms = missing.map((d) => d.asset);
    await client.query(
      `INSERT INTO balances (account, asset) SELECT * FROM unnest($1::int8[], $2::text[]) ORDER BY 1, 2 ON CONFLICT (account, asset) DO NOTHING`,
      [pgArray(ma), pgTextArray(ms)],
    );
    await lock(ma, ms);
  }
  const { rows } = await client.query<{ account: string; asset: string; available: string; locked: string }>(
    `UPDATE balances b SET available = b.available + d.available, locked = b.locked + d.locked
       FROM unnest($1::int8[], $2::text[], $3::numeric[], $4::numeric[]) AS d(account, asset, available, locked)
      WHERE b.account = d.account AND b.asset = d.asset
     RETURNING b.account, b.asset, b.available, b.locked`,
    [
      pgArray(accounts),
      pgTextArray(assets),
      pgArray(deltas.map((d) => d.available)),
      pgArray(deltas.map((d) => d.locked)),
    ],
  );
  return rows.map((r) => ({
    account: Number(r.account),
    asset: r.asset,
    available: BigInt(r.available),
    locked: BigInt(r.locked),
  }));
}
