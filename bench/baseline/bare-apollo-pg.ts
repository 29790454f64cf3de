/**
 * Baseline server: the product's HTTP stack (Apollo Server 5 on Express 5 through
 * @as-integrations/express5, same cache-control and landing-page settings) with one
 * mutation that writes 4 rows in one transaction (BEGIN, 4 INSERTs, COMMIT) with plain
 * `pg` and returns an id. No ORM, no auth, no validation beyond GraphQL's own: it is the
 * ceiling the product's submitApplication is compared against (SPEC section 13).
 *
 * Library: startBareServer({ databaseUrl }). As a process (bench/lib/servers.ts protocol):
 *   BENCH_DATABASE_URL=postgres://... node -r @swc-node/register bench/baseline/bare-apollo-pg.ts
 * (BENCH_REQUEST_ID=1 adds an `x-request-id` header to every response, as the product does;
 * bench/transport.ts uses it). The schema, resolvers and Apollo options are exported for the
 * same server on other transports (bench/baseline/bare-http.ts, bare-fastify.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { Pool } from 'pg';
import { serveAsChild, type RunningServer } from '../lib/servers';

export const BARE_TABLES_SQL = readFileSync(join(__dirname, 'tables.sql'), 'utf8');

export const BARE_TYPE_DEFS = /* GraphQL */ `
  type Query {
    hello: String!
  }
  input BenchSubmitInput {
    amount: String!
    termMonths: Int!
    purpose: String!
  }
  type BenchSubmitPayload {
    id: ID!
  }
  type Mutation {
    benchSubmit(input: BenchSubmitInput!): BenchSubmitPayload!
  }
`;

/** The mutation the load generator sends to this server; vary `amount` per request. */
export const BARE_MUTATION = `mutation BenchSubmit($input: BenchSubmitInput!) { benchSubmit(input: $input) { id } }`;

export const bareBody = (i: number) => ({
  query: BARE_MUTATION,
  operationName: 'BenchSubmit',
  variables: { input: { amount: `${5000 + (i % 1000)}.00`, termMonths: 36, purpose: 'debt consolidation' } },
});

const USER = '00000000-0000-4000-8000-000000000001';
const TRACE = JSON.stringify([
  { component: 'BUREAU_SCORE', points: 335, maxPoints: 400 },
  { component: 'ALTERNATIVE_DATA', points: 60, maxPoints: 60 },
  { component: 'DEBT_TO_INCOME', points: 250, maxPoints: 250 },
  { component: 'EMPLOYMENT', points: 150, maxPoints: 150 },
  { component: 'OVERDRAFTS', points: 100, maxPoints: 100 },
]);

type SubmitInput = { amount: string; termMonths: number; purpose: string };

/** The pool (bare tables created) and the resolvers of BARE_TYPE_DEFS: `hello`, and `benchSubmit` (4 rows). */
export async function bareResolvers(o: { databaseUrl: string; poolMax?: number }) {
  const pool = new Pool({ connectionString: o.databaseUrl, max: o.poolMax ?? 10 });
  await pool.query(BARE_TABLES_SQL);

  const submit = async (input: SubmitInput) => {
    const appId = randomUUID();
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(
        `INSERT INTO bench_application (id, user_id, product, amount, term_months, purpose, status)
         VALUES ($1, $2, 'PERSONAL_LOAN', $3, $4, $5, 'APPROVED')`,
        [appId, USER, input.amount, input.termMonths, input.purpose],
      );
      await c.query(
        `INSERT INTO bench_decision (id, application_id, outcome, score, grade, apr, trace)
         VALUES ($1, $2, 'APPROVED', $3, 'A', 7.99, $4)`,
        [randomUUID(), appId, 895, TRACE],
      );
      await c.query(
        `INSERT INTO bench_audit (id, actor_id, action, target_id, changes)
         VALUES ($1, $2, 'application.submit', $3, $4)`,
        [randomUUID(), USER, appId, JSON.stringify({ status: 'APPROVED', amount: input.amount })],
      );
      await c.query(`INSERT INTO bench_outbox (topic, payload) VALUES ('application.decided', $1)`, [
        JSON.stringify({ applicationId: appId, outcome: 'APPROVED', score: 895, grade: 'A' }),
      ]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
    return { id: appId };
  };
  const resolvers = {
    Query: { hello: () => 'world' },
    Mutation: { benchSubmit: (_: unknown, args: { input: SubmitInput }) => submit(args.input) },
  };
  return { pool, resolvers };
}

/** The product's Apollo options, the same on every transport; `drain` is the transport's drain plugin. */
export function createBareApollo(
  resolvers: Awaited<ReturnType<typeof bareResolvers>>['resolvers'],
  drain: ApolloServerPlugin,
): ApolloServer {
  return new ApolloServer({
    typeDefs: BARE_TYPE_DEFS,
    resolvers,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    plugins: [drain, ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled()],
  });
}

/** Request bodies above this are refused (413) on every transport. */
export const BARE_BODY_LIMIT = 100 * 1024;

export async function startBareServer(o: {
  databaseUrl: string;
  host?: string;
  port?: number;
  /** Same as the product's ORM pool (10). */
  poolMax?: number;
  /** Sets `x-request-id` (a random UUID) on every response, as the product does. Default false. */
  requestId?: boolean;
}): Promise<RunningServer & { port: number }> {
  const { pool, resolvers } = await bareResolvers(o);
  const app = express();
  app.disable('x-powered-by');
  if (o.requestId) {
    app.use((_req, res, next) => {
      res.setHeader('x-request-id', randomUUID());
      next();
    });
  }
  const httpServer = createHttpServer(app);
  const apollo = createBareApollo(resolvers, ApolloServerPluginDrainHttpServer({ httpServer }));
  await apollo.start();
  app.use('/graphql', express.json({ limit: BARE_BODY_LIMIT }), expressMiddleware(apollo));

  return listenBare(httpServer, o, async () => {
    await apollo.stop();
    await pool.end();
  });
}

/** A node:http server listening (on `o.host`/`o.port`, 127.0.0.1 and any port by default), as a RunningServer. */
export async function listenBare(
  httpServer: Server,
  o: { host?: string; port?: number },
  close: () => Promise<void>,
): Promise<RunningServer & { port: number }> {
  const host = o.host ?? '127.0.0.1';
  if (!httpServer.listening) {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(o.port ?? 0, host, () => resolve());
    });
  }
  const port = (httpServer.address() as AddressInfo).port;
  return { url: `http://${host}:${port}/graphql`, port, close };
}

/** Runs a bare server as a bench child process (bench/lib/servers.ts protocol), configured from the environment. */
export function serveBareAsChild(
  start: (o: { databaseUrl: string; port: number; poolMax: number }) => Promise<RunningServer>,
): void {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('BENCH_DATABASE_URL is required');
  serveAsChild(() =>
    start({
      databaseUrl,
      port: Number(process.env.BENCH_PORT ?? 0),
      poolMax: Number(process.env.BENCH_BARE_POOL ?? 10),
    }),
  );
}

if (require.main === module) {
  serveBareAsChild((o) => startBareServer({ ...o, requestId: process.env.BENCH_REQUEST_ID === '1' }));
}
