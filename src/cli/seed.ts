import 'reflect-metadata';
import { User } from '../entities';
import { Role } from '../entities/identity/user.entity';
import { uuidv7 } from '../lib/ids';
import { buildContext } from '../server/context';
import { withCommandServer } from './command-server';

/** Demo users to explore the API with (`npm run seed`). Safe to run twice. */
const DEMO = [
  { email: 'borrower@example.com', name: 'Bo Rower', roles: [Role.BORROWER] },
  { email: 'investor@example.com', name: 'Ivy Investor', roles: [Role.INVESTOR, Role.BORROWER] },
  { email: 'merchant@example.com', name: 'Mer Chant', roles: [Role.MERCHANT] },
];
const PASSWORD = 'demo-password-1';

async function main(): Promise<void> {
  await withCommandServer(async (server) => {
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
  });
  console.log(`demo users (password "${PASSWORD}"): ${DEMO.map((d) => d.email).join(', ')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
