import type { Pool } from '@exchange/db';
import type { ReplayJobs } from '@exchange/replay';
import type { AccountsBackend } from '../admin/accounts-backend';
import type { AuditLog } from '../admin/audit-log';
import type { ApiKeyStore } from '../auth/api-keys';
import type { MarketRegistry } from '../markets/registry';
import type { OrderService } from '../orders/order-service';
import type { MarketData } from '../read/market-data';
import type { OrderReads } from '../read/order-reads';

/** Everything the route handlers use. */
export interface GatewayServices {
  pool: Pool;
  markets: MarketRegistry;
  orders: OrderService;
  reads: OrderReads;
  marketData: MarketData;
  accounts: AccountsBackend;
  apiKeys: ApiKeyStore;
  audit: AuditLog;
  replays: ReplayJobs;
}
