import 'reflect-metadata';
import { openOrm, migrate } from '../db/orm';

/**
 * Prints the SQL that would bring a migrated database in line with the entities: the body
 * of the next migration (`npm run schema-diff -- postgres://...`). Empty output means the
 * migrations and the entities agree; a test checks that.
 */
async function main(): Promise<void> {
  const url = process.argv[2] ?? process.env.DATABASE_URL;
  if (!url) throw new Error('usage: schema-diff <database url>');
  const orm = await openOrm(url, 2);
  try {
    await migrate(orm);
    const sql = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: false });
    process.stdout.write(sql.trim() ? `${sql.trim()}\n` : '');
  } finally {
    await orm.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
