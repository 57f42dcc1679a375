import type { Logger } from 'pino';

const SHUTDOWN_DEADLINE_MS = 20_000;

/**
 * Calls `stop` once, on the first SIGINT or SIGTERM. Repeating that signal (a second Ctrl-C) exits
 * at once with 1; the other one is ignored meanwhile: a Ctrl-C in a terminal reaches every process
 * of the group, and the supervisor that runs a service sends SIGTERM right after, which must not
 * cut its cleanup short.
 */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void): void {
  let first: NodeJS.Signals | null = null;
  const handle = (signal: NodeJS.Signals) => {
    if (first === null) {
      first = signal;
      stop(signal);
    } else if (signal === first) {
      process.exit(1);
    }
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
}

/**
 * Runs the cleanups in order on the first stop signal (see onStopSignals), then exits 0; 1 when one
 * failed or they outlast SHUTDOWN_DEADLINE_MS (a server they wait on is gone).
 */
export function onShutdown(log: Logger, cleanups: Array<() => Promise<unknown> | unknown>): void {
  onStopSignals((signal) => {
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error({ signal, afterMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time: exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    void (async () => {
      let failed = false;
      for (const cleanup of cleanups) {
        try {
          await cleanup();
        } catch (err) {
          failed = true;
          log.error({ err }, 'cleanup failed');
        }
      }
      process.exit(failed ? 1 : 0);
    })();
  });
}
