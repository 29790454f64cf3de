import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Client } from 'pg';

/** Names every test skipped for what the run lacks (test/support/needs.ts), then cleans up. */
function reportSkipped(): void {
  const file = process.env.TEST_SKIPPED_FILE;
  if (!file) return;
  const skipped = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).sort() : [];
  rmSync(dirname(file), { recursive: true, force: true });
  if (!skipped.length) return;
  const mode = process.env.TEST_PG_MODE === 'embedded' ? ' (embedded mode)' : '';
  console.log(
    `\n${skipped.length} skipped for what this run lacks${mode}:\n${skipped.map((s) => `  ${s}`).join('\n')}`,
  );
}

export default async function globalTeardown(): Promise<void> {
  reportSkipped();
  if (process.env.TEST_BUILT_SRC) rmSync(process.env.TEST_BUILT_SRC, { recursive: true, force: true });
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL;
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (adminUrl && template) {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists "${template}" with (force)`);
    await admin.end();
  }
  await globalThis.__embedded?.stop();
}
