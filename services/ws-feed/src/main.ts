/** Entry point: `pnpm --filter @exchange/ws-feed start` (or `node --import tsx services/ws-feed/src/main.ts`). */
import { createLogger, onShutdown } from '@exchange/service-kit';
import { loadWsFeedConfig } from './config';
import { startWsFeed } from './feed-node';

async function main(): Promise<void> {
  const config = loadWsFeedConfig();
  const log = createLogger('ws-feed', config.LOG_LEVEL).child({ node: config.NODE_ID });
  const feed = await startWsFeed(config, { log });
  // Machine-readable for supervisors and tests that start the node as a child process.
  if (process.send) process.send({ type: 'listening', port: feed.port, opsPort: feed.ops?.port });
  onShutdown(log, [() => feed.close()]);
}

main().catch((err: unknown) => {
  createLogger('ws-feed').fatal({ err }, 'ws-feed could not start');
  process.exit(1);
});
