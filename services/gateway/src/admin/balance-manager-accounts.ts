import type { Pool } from '@exchange/db';
import {
  AccountPublisher,
  BalanceError,
  conservationReport,
  createAccount,
  deposit,
  getAccount,
  getBalances,
  getLedger,
  withdraw,
  type TransferResult,
} from '@exchange/balance-manager';
import type { Account, AssetConservation, Balance, LedgerEntry, Transfer, TransferRequest } from '@exchange/client';
import type { Logger, Redis } from '@exchange/service-kit';
import { formatAmount, parseAmount } from '@exchange/units';
import { ApiError } from '../errors';
import type { AccountsBackend } from './accounts-backend';

/** BalanceError codes keep their names; the gateway's table gives their HTTP status. */
async function mapped<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof BalanceError) throw new ApiError(err.code, err.message, err.details);
    throw err;
  }
}

/** The balance manager's library (services/balance-manager) behind the gateway's AccountsBackend. */
export class BalanceManagerAccounts implements AccountsBackend {
  private decimals = new Map<string, number>();
  /** Deposits and withdrawals announce the new balances on acct:{id}, as settlement does. */
  private readonly publisher: AccountPublisher | undefined;

  constructor(
    private readonly pool: Pool,
    publish?: { redis: Redis; log: Logger },
  ) {
    // The transfer path fills `decimals` for its asset before it publishes.
    this.publisher = publish && new AccountPublisher(publish.redis, this.decimals, publish.log);
  }

  async createAccount(label: string | undefined): Promise<Account> {
    const a = await mapped(createAccount(this.pool, { owner: label ?? 'account' }));
    return { accountId: a.id, label: a.owner, createdAt: null };
  }

  async getAccount(accountId: number): Promise<Account | null> {
    const a = await getAccount(this.pool, accountId);
    return a && a.kind === 'user' ? { accountId: a.id, label: a.owner, createdAt: null } : null;
  }

  async balances(accountId: number): Promise<Balance[]> {
    const rows = await mapped(getBalances(this.pool, accountId));
    return rows.map((b) => ({
      asset: b.asset,
      available: formatAmount(b.available, { code: b.asset, decimals: b.decimals }),
      locked: formatAmount(b.locked, { code: b.asset, decimals: b.decimals }),
    }));
  }

  async ledger(accountId: number, q: { asset?: string; limit: number; cursor?: string }) {
    const page = await mapped(getLedger(this.pool, accountId, { limit: q.limit, before: q.cursor, asset: q.asset }));
    const items: LedgerEntry[] = [];
    for (const e of page.entries) {
      const decimals = await this.assetDecimals(e.asset);
      items.push({
        id: e.id,
        asset: e.asset,
        bucket: e.bucket,
        amount: formatAmount(e.amount, { code: e.asset, decimals }),
        cause: e.cause,
        ts: e.createdAt.getTime(),
      });
    }
    return { items, nextCursor: page.nextCursor };
  }

  deposit(t: TransferRequest): Promise<Transfer> {
    return this.transfer(t, deposit);
  }

  withdraw(t: TransferRequest): Promise<Transfer> {
    return this.transfer(t, withdraw);
  }

  async conservation(): Promise<AssetConservation[]> {
    const lines = await conservationReport(this.pool);
    const out: AssetConservation[] = [];
    for (const l of lines) {
      const unit = { code: l.asset, decimals: await this.assetDecimals(l.asset) };
      out.push({
        asset: l.asset,
        held: formatAmount(l.held, unit),
        netTransfers: formatAmount(l.netTransfers, unit),
        ok: l.ok,
      });
    }
    return out;
  }

  private async transfer(t: TransferRequest, run: typeof deposit): Promise<Transfer> {
    const decimals = await this.assetDecimals(t.asset);
    const parsed = parseAmount(t.amount, { code: t.asset, decimals }, 'amount');
    if (!parsed.ok) throw new ApiError(parsed.code, parsed.message, { field: 'amount' });
    const r: TransferResult = await mapped(
      run(
        this.pool,
        { transferId: t.reference, accountId: t.accountId, asset: t.asset, amount: parsed.value },
        this.publisher,
      ),
    );
    return {
      transferId: r.transferId,
      accountId: r.accountId,
      asset: r.asset,
      amount: formatAmount(r.amount, { code: r.asset, decimals }),
      kind: r.kind,
      reference: t.reference,
    };
  }

  private async assetDecimals(asset: string): Promise<number> {
    let d = this.decimals.get(asset);
    if (d === undefined) {
      const { rows } = await this.pool.query<{ decimals: number }>('SELECT decimals FROM assets WHERE code = $1', [
        asset,
      ]);
      if (!rows[0]) throw new ApiError('UNKNOWN_ASSET', `unknown asset ${asset}`, { asset });
      d = rows[0].decimals;
      this.decimals.set(asset, d);
    }
    return d;
  }
}
