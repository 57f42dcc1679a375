/** The balance manager as a library: what the gateway imports (reads and admin), and the stages for tests and tooling. */
export * from './accounts';
export * from './errors';
export * from './reads';
export * from './system-accounts';
export * from './transfers';
export { AccountPublisher } from './publisher';
export { causes, type BalanceRow, type LedgerEntry } from './ledger-sql';
export { loadMarkets, marketContext, type MarketContext } from './markets';
export { configSchema, type BalanceManagerConfig } from './config';
export { lockBatch, type LockBatchResult } from './lock-stage/lock-batch';
export { parseCommandEntry, type CommandEntry, type Forward } from './lock-stage/entries';
export { LockConsumer } from './lock-stage/consumer';
export {
  computeBatch,
  settleBatch,
  StalePlanError,
  SETTLED_TYPES,
  type BatchInput,
  type SettleBatchResult,
} from './settlement/settle-batch';
export { SettlementLoop } from './settlement/loop';
export { startBalanceManager, type BalanceManager } from './service';
