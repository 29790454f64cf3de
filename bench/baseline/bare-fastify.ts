/**
 * The bare baseline's schema (bare-apollo-pg.ts: `{ hello }` and the 4-row `benchSubmit`)
 * with the same Apollo options, served by Fastify 5 through @as-integrations/fastify (the
 * Apollo Server integration for Fastify, `fastifyApollo` plugin at /graphql, GET/POST/OPTIONS).
 * Transport (c) of bench/transport.ts (issue 10).
 *
 * Same features as the other two: Fastify's `bodyLimit` of 100 kB (413), its built-in
 * application/json parser (other media types reach Apollo as they are and its CSRF
 * prevention refuses them; types Fastify has no parser for get 415), an `x-request-id`
 * (random UUID) on every response from an `onRequest` hook, and graceful stop through
 * Apollo's own drain plugin on Fastify's `server` (as on the other two), then `app.close()`
 * for Fastify's onClose hooks. The integration's `fastifyApolloDrainPlugin` also works but
 * only closes connections idle when the stop begins: a keep-alive client whose request
 * finished during the drain held the stop until its own idle timeout (6.3 s against 1.3 s
 * in a test). No logger (Fastify's default).
 *
 * Library: startBareFastifyServer({ databaseUrl }). As a process (bench/lib/servers.ts protocol):
 *   BENCH_DATABASE_URL=postgres://... node -r @swc-node/register bench/baseline/bare-fastify.ts
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import fastifyApollo from '@as-integrations/fastify';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { RunningServer } from '../lib/servers';
import {
  BARE_BODY_LIMIT,
  bareResolvers,
  createBareApollo,
  listenBare,
  serveBareAsChild,
} from './bare-apollo-pg';

export async function startBareFastifyServer(o: {
  databaseUrl: string;
  host?: string;
  port?: number;
  poolMax?: number;
}): Promise<RunningServer & { port: number }> {
  const { pool, resolvers } = await bareResolvers(o);
  const app = Fastify({ bodyLimit: BARE_BODY_LIMIT });
  const apollo = createBareApollo(resolvers, ApolloServerPluginDrainHttpServer({ httpServer: app.server }));
  await apollo.start();
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.header('x-request-id', randomUUID());
    done();
  });
  await app.register(fastifyApollo(apollo));

  await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 });
  return listenBare(app.server, o, async () => {
    await apollo.stop();
    await app.close();
    await pool.end();
  });
}

if (require.main === module) serveBareAsChild(startBareFastifyServer);
