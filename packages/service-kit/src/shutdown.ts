import type { Logger } from 'pino';

/** Runs the cleanups once on SIGINT/SIGTERM, in order, then exits; a second signal exits at once. */
export function onShutdown(log: Logger, cleanups: Array<() => Promise<unknown> | unknown>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch (err) {
        log.error({ err }, 'cleanup failed');
      }
    }
    process.exit(0);
  };
  process.on('SIGINT', (s) => void stop(s));
  process.on('SIGTERM', (s) => void stop(s));
}
