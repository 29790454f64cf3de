import 'reflect-metadata';
import { loadConfig } from '../config';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import { createLogger } from '../lib/logger';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir, log);
  const orm = await openOrm(config.databaseUrl ?? embedded!.url, 2);
  try {
    const pending = await orm.getMigrator().getPendingMigrations();
    await migrate(orm);
    log.info({ applied: pending.map((m) => m.name) }, 'migrations up to date');
  } finally {
    await orm.close();
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
