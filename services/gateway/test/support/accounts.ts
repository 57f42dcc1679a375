import type { Pool } from '@exchange/db';
import { BalanceManagerAccounts } from '../../src/admin/balance-manager-accounts';
import type { AccountsBackend } from '../../src';

export function accountsBackendFor(pool: Pool): AccountsBackend {
  return new BalanceManagerAccounts(pool);
}
