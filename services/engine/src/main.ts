/** Entry point: `pnpm --filter @exchange/engine start` (or `tsx services/engine/src/main.ts`). */
import { createLogger, onShutdown, startOpsServer } from '@exchange/service-kit';
import { loadEngineConfig } from './config';
import { Engine } from './engine';

async function main(): Promise<void> {
  const config = loadEngineConfig();
  const log = createLogger('engine', config.LOG_LEVEL).child({ shard: config.ENGINE_SHARD });
  const engine = await Engine.start(config, { log });
  const ops = await startOpsServer({
    port: config.OPS_PORT,
    service: 'engine',
    registry: engine.registry,
    ready: () => engine.healthy(),
  });
  log.info({ opsPort: ops.port, markets: [...engine.markets.keys()] }, 'engine ready');
  onShutdown(log, [() => engine.stop(), () => ops.close()]);
  engine.done.then(
    () => undefined,
    (err: unknown) => {
      log.fatal({ err }, 'engine failed');
      void ops.close().finally(() => process.exit(1));
    },
  );
}

main().catch((err: unknown) => {
  createLogger('engine').fatal({ err }, 'engine could not start');
  process.exit(1);
});
