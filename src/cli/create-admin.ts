import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createLogger } from '../lib/logger';
import { createServer } from '../server/create-server';

/**
 * `npm run create-admin -- --email E --password P [--name N]`: the only way an ADMIN comes
 * to exist. Promotes an existing user, or creates one.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' } },
  });
  if (!values.email || !values.password) {
    console.error('usage: npm run create-admin -- --email E --password P [--name N]');
    process.exit(2);
  }
  const config = { ...loadConfig(), port: 0, host: '127.0.0.1' };
  const server = await createServer(config, { log: createLogger('warn') });
  try {
    const user = await server.services.auth.createAdmin(
      server.orm.em.fork(),
      values.email,
      values.password,
      values.name,
    );
    console.log(`admin ready: ${user.email} (roles ${user.roles.join(', ')})`);
  } finally {
    await server.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
