/**
 * Child-process entry: the product's own `createServer` with the configuration from the
 * environment (see `productEnv` in ./servers.ts). It migrates the database on start.
 */
import { loadConfig } from '../../src/config';
import { createServer } from '../../src/server/create-server';
import { serveAsChild } from './servers';

serveAsChild(async () => {
  const app = await createServer(loadConfig(process.env));
  return { url: `http://127.0.0.1:${app.port}/graphql`, close: () => app.close() };
});
