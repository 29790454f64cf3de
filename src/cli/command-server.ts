import { loadConfig } from '../config';
import { commandDatabase } from '../db/embedded-postgres';
import { createLogger } from '../lib/logger';
import { createServer, type AppServer } from '../server/create-server';

/**
 * Runs a one-shot command (`npm run seed`, `create-admin`) against a server of its own on a
 * free local port: on DATABASE_URL, else on the running server's embedded PostgreSQL (left
 * running) or one it starts and stops. Everything is closed afterwards, also on failure.
 */
export async function withCommandServer<T>(work: (server: AppServer) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const log = createLogger('warn');
  const db = await commandDatabase(config, log);
  try {
    const server = await createServer(
      { ...config, databaseUrl: db.url, port: 0, host: '127.0.0.1' },
      { log },
    );
    try {
      return await work(server);
    } finally {
      await server.close();
    }
  } finally {
    await db.stop();
  }
}
