import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { commandDatabase } from '../db/embedded-postgres';
import { createLogger } from '../lib/logger';
import { createServer } from '../server/create-server';
import { AdminUserExists, type AdminOutcome } from '../services/identity/auth.service';

const USAGE = 'usage: npm run create-admin -- --email E --password P [--name N] [--reset-password]';

const DONE: Record<AdminOutcome, string> = {
  created: 'created',
  promoted: 'password reset, ADMIN added',
  'password-reset': 'already ADMIN, password reset',
};

/**
 * `npm run create-admin -- --email E --password P [--name N] [--reset-password]`: the only
 * way an ADMIN comes to exist. Creates one; an existing user is changed only with
 * --reset-password, which replaces its password and makes it ADMIN.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      'reset-password': { type: 'boolean' },
    },
  });
  if (!values.email || !values.password) {
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig();
  const log = createLogger('warn');
  // The running server's embedded database when there is one (it keeps running), else our own.
  const db = await commandDatabase(config, log);
  try {
    const server = await createServer(
      { ...config, databaseUrl: db.url, port: 0, host: '127.0.0.1' },
      { log },
    );
    try {
      const { user, outcome } = await server.services.auth.createAdmin(
        server.orm.em.fork(),
        values.email,
        values.password,
        { name: values.name, resetPassword: values['reset-password'] },
      );
      console.log(`admin ${user.email}: ${DONE[outcome]} (roles ${user.roles.join(', ')})`);
    } finally {
      await server.close();
    }
  } finally {
    await db.stop();
  }
}

main().catch((err: unknown) => {
  if (err instanceof AdminUserExists)
    console.error(
      `${err.email} already has an account; nothing changed. Run again with --reset-password to ` +
        'reset its password and make it ADMIN.',
    );
  else console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
