import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { Knex } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import accepts from 'accepts';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Server } from 'node:http';
import type { Config } from '../config';
import { uuidv7 } from '../lib/ids';
import type { Logger } from '../lib/logger';
import type { ResolverContainer } from '../resolvers/common/context';
import type { LiveHub } from '../subscriptions/common/live-stream';
import type { EventBus } from '../subscriptions/common/pubsub';
import { apiKeyScopePlugin, httpStatusPlugin, observabilityPlugin } from './apollo-plugins';
import type { App } from './compose';
import { authenticate, buildContext, type RequestContext } from './context';
import { maskError } from './errors';
import { explorerHtml, mountExplorer } from './explorer';
import type { QueryLimits } from './limits';
import type { Metrics } from './metrics';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * The HTTP server: Fastify 5 (bench/RESULTS.md, "transport": about 2.7 times Express 5's
 * throughput for the same Apollo server, a third of its CPU per request). Its `server` is
 * the node:http server graphql-ws shares. Request ids: the client's `x-request-id` when it
 * is well formed, otherwise a new one; proxies: as many hops as TRUST_PROXY says.
 */
export function createHttpApp(config: Config): FastifyInstance {
  const hops = config.trustProxyHops;
  return Fastify({
    bodyLimit: config.bodyLimitBytes,
    // A hop count, never `true`: trusting every hop takes the left-most X-Forwarded-For, which
    // the client writes itself (and so could rotate to escape the per-address limits).
    // proxy-addr's hop count, as Express's `trust proxy` number: the nearest `hops` addresses.
    trustProxy: (_address: string, hop: number) => hop < hops,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : uuidv7();
    },
    logger: false,
    // Shutdown is Apollo's drain (below): Fastify only stops routing.
    return503OnClosing: false,
  });
}

/** Apollo over the HTTP server: CSRF prevention, no batching, masked errors, graceful drain. */
export async function startApollo(args: {
  config: Config;
  schema: GraphQLSchema;
  httpServer: Server;
  limits: QueryLimits;
  metrics: Metrics;
  /** Closes the WebSocket server when Apollo drains. */
  drainWebSocket: () => Promise<void>;
}): Promise<ApolloServer<RequestContext>> {
  const { config } = args;
  const apollo = new ApolloServer<RequestContext>({
    schema: args.schema,
    // Shutdown has one path, `close()` of the server (called by src/index.ts on SIGTERM / SIGINT).
    // Apollo's own handlers would call stop() a second time, and that one never returns.
    stopOnTerminationSignals: false,
    introspection: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    hideSchemaDetailsFromClientErrors: config.env === 'production',
    includeStacktraceInErrorResponses: false,
    validationRules: args.limits.rules,
    formatError: (formatted, error) => maskError(formatted, error, config.env === 'production'),
    plugins: [
      // Requests in flight get 8 s to finish, leaving time to close the rest within 10 s.
      ApolloServerPluginDrainHttpServer({ httpServer: args.httpServer, stopGracePeriodMillis: 8000 }),
      {
        async serverWillStart() {
          return { drainServer: args.drainWebSocket };
        },
      },
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      observabilityPlugin(args.metrics),
      httpStatusPlugin(),
      apiKeyScopePlugin(),
    ],
  });
  await apollo.start();
  return apollo;
}

/** Every response carries its request id; each request is logged at debug (no timer below that level). */
function requestIds(app: FastifyInstance, log: Logger) {
  app.addHook('onRequest', async (req, reply) => {
    void reply.header('x-request-id', req.id);
  });
  if (!log.isLevelEnabled('debug')) return;
  app.addHook('onResponse', async (req, reply) => {
    log.debug(
      {
        requestId: req.id,
        method: req.method,
        path: req.url.split('?', 1)[0],
        status: reply.statusCode,
        ms: reply.elapsedTime,
      },
      'http request',
    );
  });
}

/** Liveness, readiness (database and event bus), Prometheus metrics, and the explorer's files, favicon and `/`. */
function mountOperations(
  app: FastifyInstance,
  args: { knex: Knex; bus: EventBus; redis: boolean; live: LiveHub; metrics: Metrics },
) {
  const { knex, bus, live, metrics } = args;
  app.get('/healthz', async () => ({ status: 'ok' }));
  // Reports what this instance runs on: Redis only when REDIS_URL is set (otherwise events
  // stay in-process and there is no Redis to check). 503 only when something configured is down.
  app.get('/readyz', async (_req, reply) => {
    const [database, redis] = await Promise.all([
      knex.raw('select 1').then(
        () => true,
        () => false,
      ),
      args.redis ? bus.ping() : null,
    ]);
    const ready = database && redis !== false;
    return reply.code(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'unavailable',
      database,
      ...(redis === null ? { pubsub: 'in-process' } : { pubsub: 'redis', redis }),
    });
  });
  app.get('/metrics', async (_req, reply) => {
    metrics.openSubscriptions.set(live.openStreams);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  mountExplorer(app);
}

/** A browser opening the endpoint gets the explorer; GraphQL GET requests carry a query. */
function wantsExplorer(req: FastifyRequest): boolean {
  if (req.method !== 'GET' || (req.query as { query?: unknown }).query !== undefined) return false;
  return accepts(req.raw).type(['application/json', 'text/html']) === 'text/html';
}

/**
 * Documents with too many tokens are refused before parsing; null lets the request through.
 * A token is at least one character, so a document no longer than the limit is within it
 * without being counted.
 */
function tokenLimit(
  limits: QueryLimits,
  maxTokens: number,
  req: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | null {
  const query =
    req.method === 'GET'
      ? (req.query as { query?: unknown }).query
      : (req.body as { query?: unknown } | undefined)?.query;
  const error = typeof query === 'string' && query.length > maxTokens ? limits.checkTokens(query) : null;
  if (!error) return null;
  const legacy = !(req.headers.accept ?? '').includes('application/graphql-response+json');
  return reply
    .code(legacy ? 200 : 400)
    .type(legacy ? 'application/json' : 'application/graphql-response+json')
    .send(JSON.stringify({ errors: [error.toJSON()] }));
}

/** Body failures (too large, not JSON) and anything unexpected as GraphQL-shaped errors, never HTML or stacks. */
function bodyErrors(app: FastifyInstance, config: Config, log: Logger) {
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log.error({ err, requestId: req.id }, 'http error');
    const message =
      status === 413
        ? `Request body too large (limit ${config.bodyLimitBytes} bytes).`
        : status === 500
          ? 'Internal server error'
          : 'The request body is not valid JSON.';
    return reply.code(status).send({
      errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }],
    });
  });
}

/** The HTTP routes: operations endpoints, then GraphQL at /graphql with a context per request. */
export function mountRoutes(
  app: FastifyInstance,
  args: {
    config: Config;
    log: Logger;
    apollo: ApolloServer<RequestContext>;
    services: App;
    container: ResolverContainer;
    em: EntityManager;
    limits: QueryLimits;
    metrics: Metrics;
  },
): void {
  const { config, services, limits } = args;
  requestIds(app, args.log);
  bodyErrors(app, config, args.log);
  mountOperations(app, {
    knex: services.knex,
    bus: services.bus,
    redis: !!config.redisUrl,
    live: services.live,
    metrics: args.metrics,
  });
  // JSON under both media types GraphQL over HTTP names; any other body is left unparsed,
  // for Apollo to refuse (its CSRF prevention answers 400, as for a form post).
  app.addContentTypeParser(
    'application/graphql-response+json',
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));

  const graphql = fastifyApolloHandler(args.apollo, {
    context: async (req) => {
      // A presented token that is not valid fails the whole request (SPEC section 2).
      const auth = await authenticate(services, req.headers.authorization, true);
      if (auth instanceof GraphQLError) throw auth;
      return buildContext({
        app: services,
        container: args.container,
        em: args.em,
        viewer: auth?.viewer ?? null,
        viewerAccount: auth && !auth.viewer.apiKeyId ? auth.account : undefined,
        requestId: req.id,
        ip: () => req.ip,
      });
    },
  });
  app.route<{ Reply: string }>({
    // Every method reaches Apollo, which answers 405 to those GraphQL over HTTP does not use.
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/graphql',
    handler: async function (req, reply) {
      if (wantsExplorer(req)) return reply.type('text/html; charset=utf-8').send(explorerHtml());
      if (tokenLimit(limits, config.limits.maxTokens, req, reply)) return reply;
      return graphql.call(this, req, reply);
    },
  });
}
