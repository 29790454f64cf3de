import 'reflect-metadata';
import { loadConfig } from '../config';
import { commandDatabase } from '../db/embedded-postgres';
import { User } from '../entities';
import { Role } from '../entities/identity/user.entity';
import { createLogger } from '../lib/logger';
import { uuidv7 } from '../lib/ids';
import { createServer } from '../server/create-server';
import { buildContext } from '../server/context';

/** Demo users to explore the API with (`npm run seed`). Safe to run twice. */
const DEMO = [
  { email: 'borrower@example.com', name: 'Bo Rower', roles: [Role.BORROWER] },
  { email: 'investor@example.com', name: 'Ivy Investor', roles: [Role.INVESTOR, Role.BORROWER] },
  { email: 'merchant@example.com', name: 'Mer Chant', roles: [Role.MERCHANT] },
];
const PASSWORD = 'demo-password-1';

async function main(): Promise<void> {
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
      for (const d of DEMO) {
        const ctx = buildContext({
          app: server.services,
          container: server.container,
          em: server.orm.em,
          viewer: null,
          requestId: uuidv7(),
          ip: 'seed',
        });
        if (await ctx.em.findOne(User, { email: d.email })) continue;
        await server.services.auth.signUp(ctx, { ...d, password: PASSWORD });
      }
      console.log(`demo users (password "${PASSWORD}"): ${DEMO.map((d) => d.email).join(', ')}`);
    } finally {
      await server.close();
    }
  } finally {
    await db.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
