import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Test databases are named by creation time, so stale ones can be told apart. */
export const TEMPLATE_PREFIX = 'credit_tpl_';
export const testDbPrefix = (ms: number): string => `credit_t${ms}`;

export function adminUrl(): string {
  const url = process.env.TEST_ADMIN_DATABASE_URL;
  if (!url) throw new Error('TEST_ADMIN_DATABASE_URL missing: run tests through jest (global setup)');
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, migrated database cloned from the run's template. */
export async function createTestDatabase(): Promise<{
  name: string;
  url: string;
  drop: () => Promise<void>;
}> {
  const name = `${testDbPrefix(Date.now())}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    // Two workers cloning at the same instant can collide on the template; try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`create database "${name}" template "${process.env.TEST_TEMPLATE_DATABASE}"`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(name),
    drop: async () => {
      const c = new Client({ connectionString: adminUrl() });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
