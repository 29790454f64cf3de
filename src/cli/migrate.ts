import 'reflect-metadata';
import { loadConfig } from '../config';
import { commandDatabase } from '../db/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import { createLogger } from '../lib/logger';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database). */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // The running server's embedded database when there is one (it keeps running), else our own.
  const db = await commandDatabase(config, log);
  try {
    const orm = await openOrm(db.url, 2);
    try {
      const pending = await orm.getMigrator().getPendingMigrations();
      await migrate(orm);
      log.info({ applied: pending.map((m) => m.name) }, 'migrations up to date');
    } finally {
      await orm.close();
    }
  } finally {
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
