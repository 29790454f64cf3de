import { ConfigError, loadConfig } from './config';
import { createLogger } from './lib/logger';
import { createServer, type AppServer } from './server/create-server';

/** Process entry: configuration, the server, and a graceful exit on SIGTERM / SIGINT / SIGHUP. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let server: AppServer | null = null;
  let stopping = false;

  /** The one shutdown path: stop taking work, finish what is in flight, close, exit. */
  const stop = (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    // Ctrl-C shows one line, the server's 'shutdown complete'; the rest is for debugging.
    log.debug({ signal: reason }, 'signal received');
    if (!server) process.exit(exitCode || 1); // still starting: nothing in flight yet
    const deadline = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    deadline.unref();
    server.close().then(
      () => process.exit(exitCode),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };

  // A promise rejected with nobody awaiting it is a background task that failed (a timer,
  // a connection event); requests have their own error handling and the database keeps
  // every change atomic, so nothing shared is left half-done: log what it was, keep serving.
  process.on('unhandledRejection', (reason: unknown) => {
    log.error({ err: reason, kind: 'unhandledRejection' }, 'unhandled promise rejection; still serving');
  });
  // An exception thrown out of a callback stopped synchronous work half-way, in memory every
  // request shares; Node cannot say what it left behind. Finish what is in flight (each
  // request's transaction commits or rolls back whole), then exit 1 so the supervisor
  // starts a clean process.
  process.on('uncaughtException', (err: Error, origin: string) => {
    log.fatal({ err, origin, kind: 'uncaughtException' }, 'uncaught exception; shutting down');
    stop('uncaughtException', 1);
  });
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));
  // The terminal closed: shut down the same way (the embedded PostgreSQL, in its own process
  // group, would not hear it).
  process.on('SIGHUP', () => stop('SIGHUP', 0));

  server = await createServer(config, { log });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
