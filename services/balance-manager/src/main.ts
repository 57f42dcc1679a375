import { createLogger, loadConfig, onShutdown } from '@exchange/service-kit';
import { configSchema } from './config';
import { startBalanceManager } from './service';

async function main(): Promise<void> {
  const cfg = loadConfig(configSchema);
  const log = createLogger('balance-manager', cfg.LOG_LEVEL);
  const bm = await startBalanceManager(cfg, log);
  onShutdown(log, [() => bm.stop()]);
}

main().catch((err: unknown) => {
  createLogger('balance-manager').fatal({ err }, 'balance manager failed to start');
  process.exit(1);
});
