import type { Logger } from 'pino';

const SHUTDOWN_DEADLINE_MS = 20_000;

/**
 * Runs the cleanups once on SIGINT/SIGTERM, in order, then exits 0 (or 1 when they outlast SHUTDOWN_DEADLINE_MS). Repeating the signal that
 * started the shutdown (a second Ctrl-C) exits at once with 1. The other signal is ignored while
 * stopping: a Ctrl-C in a terminal reaches every process of the group, and the supervisor that
 * runs the service sends SIGTERM right after, which must not cut the cleanup short.
 */
export function onShutdown(log: Logger, cleanups: Array<() => Promise<unknown> | unknown>): void {
  let first: NodeJS.Signals | null = null;
  const stop = async (signal: NodeJS.Signals) => {
    if (first !== null) {
      if (signal === first) process.exit(1);
      return;
    }
    first = signal;
    log.info({ signal }, 'shutting down');
    // A cleanup that waits on a server that is gone must not keep the process alive forever.
    setTimeout(() => {
      log.error({ signal, afterMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
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
