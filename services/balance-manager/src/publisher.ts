import { keys, type AccountBalancesMessage } from '@exchange/protocol';
import type { Logger, Redis } from '@exchange/service-kit';
import { formatAmount } from '@exchange/units';
import type { BalanceRow } from './ledger-sql';
import type { Metrics } from './metrics';

/**
 * Publishes committed balance changes on acct:{accountId}, one message per account per batch with
 * the new values. Pub/sub may drop messages by design (a listener resyncs by reading balances), so
 * a failed publish is logged and counted, and never undoes or blocks the committed batch.
 */
export class AccountPublisher {
  constructor(
    private readonly redis: Redis,
    private readonly decimals: ReadonlyMap<string, number>,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {}

  async publish(
    rows: readonly BalanceRow[],
    cause: AccountBalancesMessage['cause'],
    where?: { market: string; seq: number },
  ): Promise<void> {
    if (rows.length === 0) return;
    const byAccount = new Map<number, AccountBalancesMessage>();
    for (const r of rows) {
      if (r.account <= 0) continue; // system accounts have no subscribers
      let m = byAccount.get(r.account);
      if (!m) {
        m = { type: 'balances', accountId: r.account, balances: [], cause };
        if (where) Object.assign(m, where);
        byAccount.set(r.account, m);
      }
      const asset = { code: r.asset, decimals: this.decimals.get(r.asset) ?? 0 };
      m.balances.push({
        asset: r.asset,
        available: formatAmount(r.available, asset),
        locked: formatAmount(r.locked, asset),
      });
    }
    if (byAccount.size === 0) return;
    const p = this.redis.pipeline();
    for (const m of byAccount.values()) p.publish(keys.accountChannel(m.accountId), JSON.stringify(m));
    try {
      const replies = (await p.exec()) ?? [];
      const failed = replies.find(([err]) => err);
      if (failed) throw failed[0];
    } catch (err) {
      this.metrics?.publishErrors.inc();
      this.log.error({ err, cause }, 'publishing balance changes failed (listeners resync from a read)');
    }
  }
}
