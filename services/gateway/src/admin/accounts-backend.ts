import type { Account, AssetConservation, Balance, LedgerEntry, Transfer, TransferRequest } from '@exchange/client';

/**
 * What the gateway needs from the balance manager's read/admin library: accounts, balances, the
 * ledger, deposits and withdrawals. Amounts are decimal strings in and out; refusals are ApiErrors
 * (ACCOUNT_NOT_FOUND, UNKNOWN_ASSET, INSUFFICIENT_FUNDS, …).
 */
export interface AccountsBackend {
  createAccount(label: string | undefined): Promise<Account>;
  getAccount(accountId: number): Promise<Account | null>;
  balances(accountId: number): Promise<Balance[]>;
  ledger(
    accountId: number,
    q: { asset?: string; limit: number; cursor?: string },
  ): Promise<{ items: LedgerEntry[]; nextCursor: string | null }>;
  deposit(t: TransferRequest): Promise<Transfer>;
  withdraw(t: TransferRequest): Promise<Transfer>;
  /** Per asset: held by user and fee accounts against deposits − withdrawals. */
  conservation(): Promise<AssetConservation[]>;
}
