import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { AdminUserExists, type AdminOutcome } from '../services/identity/auth.service';
import { withCommandServer } from './command-server';

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
  const { email, password } = values;
  if (!email || !password) {
    console.error(USAGE);
    process.exit(2);
  }
  const { user, outcome } = await withCommandServer((server) =>
    server.services.auth.createAdmin(server.orm.em.fork(), email, password, {
      name: values.name,
      resetPassword: values['reset-password'],
    }),
  );
  console.log(`admin ${user.email}: ${DONE[outcome]} (roles ${user.roles.join(', ')})`);
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
