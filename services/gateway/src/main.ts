/** Entry point: `node --import tsx services/gateway/src/main.ts` (config from the environment, see config.ts). */
import { migrate } from '@exchange/db';
import { createLogger, onShutdown } from '@exchange/service-kit';
import { BalanceManagerAccounts } from './admin/balance-manager-accounts';
import { loadGatewayConfig } from './config';
import { startGateway } from './gateway';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const log = createLogger('gateway', config.LOG_LEVEL);
  const gateway = await startGateway(config, {
    log,
    accounts: (pool, redis, l) => new BalanceManagerAccounts(pool, { redis, log: l }),
  });
  const applied = await migrate(gateway.pool);
  if (applied.length) log.info({ applied }, 'migrations applied');
  onShutdown(log, [() => gateway.stop()]);
}

main().catch((err: unknown) => {
  createLogger('gateway').fatal({ err }, 'gateway could not start');
  process.exit(1);
});
