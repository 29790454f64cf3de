import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { Knex } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Server } from 'node:http';
import type { Config } from '../config';
import { uuidv7 } from '../lib/ids';
import type { Logger } from '../lib/logger';
import type { ResolverContainer } from '../resolvers/common/context';
import type { LiveHub } from '../subscriptions/common/live-stream';
import type { EventBus } from '../subscriptions/common/pubsub';
import { httpStatusPlugin, observabilityPlugin } from './apollo-plugins';
import type { App } from './compose';
import { authenticate, buildContext, type RequestContext } from './context';
import { maskError } from './errors';
import { explorerAssets, explorerHtml } from './explorer';
import type { QueryLimits } from './limits';
import type { Metrics } from './metrics';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

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
    ],
  });
  await apollo.start();
  return apollo;
}

/** Every response carries a request id (the client's, when well formed); each request is logged at debug. */
function requestIds(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : uuidv7();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    // The log line is at debug: below that level, no timer and no listener per request.
    if (!log.isLevelEnabled('debug')) return next();
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.debug(
        {
          requestId,
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'http request',
      );
    });
    next();
  };
}

/** Liveness, readiness (database and event bus), Prometheus metrics, and the explorer page. */
function mountOperations(app: Express, args: { knex: Knex; bus: EventBus; live: LiveHub; metrics: Metrics }) {
  const { knex, bus, live, metrics } = args;
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const [db, redis] = await Promise.all([
      knex.raw('select 1').then(
        () => true,
        () => false,
      ),
      bus.ping(),
    ]);
    res
      .status(db && redis ? 200 : 503)
      .json({ status: db && redis ? 'ready' : 'unavailable', database: db, redis });
  });
  app.get('/metrics', async (_req, res) => {
    metrics.openSubscriptions.set(live.openStreams);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(explorerAssets());
  app.get('/graphql', (req, res, next) => {
    // A browser opening the endpoint gets the explorer; GraphQL GET requests carry a query.
    if (req.query.query === undefined && req.accepts(['application/json', 'text/html']) === 'text/html') {
      res.type('html').send(explorerHtml());
      return;
    }
    next();
  });
}

/**
 * Documents with too many tokens are refused before parsing. A token is at least one
 * character, so a document no longer than the limit is within it without being counted.
 */
function tokenLimit(limits: QueryLimits, maxTokens: number) {
  return (req: Request, res: Response, next: NextFunction) => {
    const body = req.body as { query?: unknown } | undefined;
    const query = req.method === 'GET' ? req.query.query : body?.query;
    const error = typeof query === 'string' && query.length > maxTokens ? limits.checkTokens(query) : null;
    if (!error) return next();
    const legacy = !(req.header('accept') ?? '').includes('application/graphql-response+json');
    res
      .status(legacy ? 200 : 400)
      .type(legacy ? 'application/json' : 'application/graphql-response+json')
      .send(JSON.stringify({ errors: [error.toJSON()] }));
  };
}

/** Body-parser failures as GraphQL-shaped errors, never HTML or stack traces. */
function bodyErrors(config: Config, log: Logger) {
  return (
    err: Error & { status?: number; type?: string },
    _req: Request,
    res: Response,
    _next: NextFunction,
  ) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log.error({ err, requestId: res.locals.requestId }, 'http error');
    const message =
      err.type === 'entity.too.large'
        ? `Request body too large (limit ${config.bodyLimitBytes} bytes).`
        : status === 500
          ? 'Internal server error'
          : 'The request body is not valid JSON.';
    res.status(status).json({
      errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }],
    });
  };
}

/** The HTTP routes: operations endpoints, then GraphQL at /graphql with a context per request. */
export function mountRoutes(
  app: Express,
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
  const { config, services } = args;
  app.use(requestIds(args.log));
  mountOperations(app, {
    knex: services.knex,
    bus: services.bus,
    live: services.live,
    metrics: args.metrics,
  });
  app.use(
    '/graphql',
    express.json({
      limit: config.bodyLimitBytes,
      type: ['application/json', 'application/graphql-response+json'],
    }),
    tokenLimit(args.limits, config.limits.maxTokens),
    expressMiddleware(args.apollo, {
      context: async ({ req }) => {
        // A presented token that is not valid fails the whole request (SPEC section 2).
        const auth = await authenticate(services, req.header('authorization'));
        if (auth instanceof GraphQLError) throw auth;
        return buildContext({
          app: services,
          container: args.container,
          em: args.em,
          viewer: auth?.viewer ?? null,
          viewerAccount: auth ? auth.account : undefined,
          requestId: String(req.res?.locals.requestId ?? uuidv7()),
          ip: () => req.ip ?? req.socket.remoteAddress ?? 'unknown',
        });
      },
    }),
  );
  app.use(bodyErrors(config, args.log));
}
