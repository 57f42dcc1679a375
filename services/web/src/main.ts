/** Entry point: `pnpm --filter @exchange/web start`. Builds the pages if needed, then serves them. */
import { createLogger, onShutdown } from '@exchange/service-kit';
import { DIST, ensureBuilt } from './build';
import { loadWebConfig } from './config';
import { startWebServer } from './server';
import { loadStaticFiles } from './static-files';

async function main(): Promise<void> {
  const config = loadWebConfig();
  const log = createLogger('web', config.LOG_LEVEL);
  await ensureBuilt(config.WEB_BUILD, log);
  const files = loadStaticFiles(DIST);
  const web = await startWebServer(config, files, log);
  log.info({ port: web.port, gateway: config.GATEWAY_URL, feed: config.WS_FEED_URL }, 'web pages served');
  if (process.send) process.send({ type: 'listening', port: web.port });
  onShutdown(log, [() => web.close()]);
}

main().catch((err: unknown) => {
  createLogger('web').fatal({ err }, 'web could not start');
  process.exit(1);
});
