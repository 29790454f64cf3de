import 'reflect-metadata';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { MikroORM } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { Client } from 'pg';
import type { Config } from '../config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import { Clock } from '../lib/clock';
import { uuidv7 } from '../lib/ids';
import { createLogger, type Logger } from '../lib/logger';
import { buildAppSchema } from './build-schema';
import {
  MemoryRateLimiter,
  RedisRateLimiter,
  createRateLimitRedis,
  type RateLimiter,
} from '../services/identity/rate-limiter';
import { DailyJobInterrupted } from '../services/servicing/daily-job.service';
import { resolvers } from '../resolvers';
import { LiveHub } from '../subscriptions/common/live-stream';
import { OutboxRelay } from '../subscriptions/common/outbox-relay';
import { OutboxRetention } from '../subscriptions/common/outbox-retention';
import { createMemoryBus, createRedisBus, type EventBus } from '../subscriptions/common/pubsub';
import { legacyJsonStatusPlugin, observabilityPlugin } from './apollo-plugins';
import { composeServices, type App } from './compose';
import { authenticate, buildContext, type RequestContext } from './context';
import { AppResolverContainer } from './resolver-container';
import { maskError } from './errors';
import { explorerAssets, explorerHtml } from './explorer';
import { createQueryLimits } from './limits';
import { Metrics } from './metrics';
import { attachWebSocket } from './ws';

export interface AppServer {
  /** `http://host:port/graphql` */
  url: string;
  port: number;
  orm: MikroORM;
  /** The composed services (tests drive the daily job and the clock through them). */
  services: App;
  container: AppResolverContainer;
  log: Logger;
  /** Graceful: stop accepting, finish in-flight requests, close sockets (1001), stop the relay, close the ORM and Redis. */
  close(): Promise<void>;
}

/** Migrations run under a database-wide lock, so instances starting together apply them once. */
async function migrateOnce(url: string, orm: MikroORM): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(7243000)');
    await migrate(orm);
  } finally {
    await client.query('select pg_advisory_unlock(7243000)').catch(() => undefined);
    await client.end();
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export async function createServer(config: Config, options: { log?: Logger } = {}): Promise<AppServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse())
      await c().catch((err: unknown) => log.error({ err }, 'shutdown step failed'));
  };

  try {
    // --- data
    let embedded: EmbeddedPostgres | null = null;
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres(config.dataDir, log);
      cleanups.push(() => embedded!.stop());
      databaseUrl = embedded.url;
    }
    const orm = await openOrm(databaseUrl);
    cleanups.push(() => orm.close(true));
    await migrateOnce(databaseUrl, orm);
    const knex = orm.em.getConnection().getKnex();

    // --- live events and counters
    let bus: EventBus;
    let rateLimiter: RateLimiter;
    if (config.redisUrl) {
      bus = createRedisBus(config.redisUrl, config.redisPrefix, log);
      const redis = createRateLimitRedis(config.redisUrl, log, config.redisCommandTimeoutMs);
      cleanups.push(async () => redis.disconnect());
      // Commands fail fast while disconnected (no offline queue): wait for the first connection.
      await new Promise<void>((resolve) => {
        if (redis.status === 'ready') return resolve();
        const timer = setTimeout(() => {
          log.warn('redis not ready after 5 s; sign-in is refused until it is');
          resolve();
        }, 5000);
        redis.once('ready', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      rateLimiter = new RedisRateLimiter(redis, config.redisPrefix, log);
    } else {
      bus = createMemoryBus();
      rateLimiter = new MemoryRateLimiter();
    }
    cleanups.push(() => bus.close());
    const relay = new OutboxRelay(databaseUrl, bus, log, config.relayPollMs);
    const live = new LiveHub(knex, bus, log, config.outboxRetentionDays);
    const retention = new OutboxRetention(
      knex,
      log,
      config.outboxRetentionDays,
      config.outboxPruneIntervalMs,
    );
    cleanups.push(() => live.close());

    // --- services
    const clock = new Clock();
    const services = composeServices({ config, clock, log, knex, relay, bus, live, rateLimiter });
    const container = new AppResolverContainer(services, resolvers);
    await services.sandbox.load(orm.em);
    await services.sessions.start();
    cleanups.push(() => services.sessions.close());

    // --- HTTP and WebSocket
    const schema = await buildAppSchema();
    const metrics = new Metrics();
    const limits = createQueryLimits(config.limits);
    const app = express();
    app.disable('x-powered-by');
    // A hop count, never `true`: trusting every hop takes the left-most X-Forwarded-For, which
    // the client writes itself (and so could rotate to escape the per-address limits).
    app.set('trust proxy', config.trustProxyHops);
    const httpServer: Server = createHttpServer(app);
    const ws = attachWebSocket({ httpServer, schema, orm, services, container, config, limits, metrics });

    const apollo = new ApolloServer<RequestContext>({
      schema,
      // Shutdown has one path, `close()` below (called by src/index.ts on SIGTERM / SIGINT).
      // Apollo's own handlers would call stop() a second time, and that one never returns.
      stopOnTerminationSignals: false,
      introspection: true,
      csrfPrevention: true,
      allowBatchedHttpRequests: false,
      hideSchemaDetailsFromClientErrors: config.env === 'production',
      includeStacktraceInErrorResponses: false,
      validationRules: limits.rules,
      formatError: (formatted, error) => maskError(formatted, error, config.env === 'production'),
      plugins: [
        // Requests in flight get 8 s to finish, leaving time to close the rest within 10 s.
        ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 8000 }),
        {
          async serverWillStart() {
            return { drainServer: () => ws.dispose() };
          },
        },
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginCacheControlDisabled(),
        observabilityPlugin(metrics),
        legacyJsonStatusPlugin(),
      ],
    });
    await apollo.start();

    app.use((req: Request, res: Response, next: NextFunction) => {
      const given = req.header('x-request-id');
      const requestId = given && REQUEST_ID.test(given) ? given : uuidv7();
      res.locals.requestId = requestId;
      res.setHeader('x-request-id', requestId);
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
    });

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

    const tokenLimit = (req: Request, res: Response, next: NextFunction) => {
      const body = req.body as { query?: unknown } | undefined;
      const query = req.method === 'GET' ? req.query.query : body?.query;
      const error = typeof query === 'string' ? limits.checkTokens(query) : null;
      if (!error) return next();
      const legacy = !(req.header('accept') ?? '').includes('application/graphql-response+json');
      res
        .status(legacy ? 200 : 400)
        .type(legacy ? 'application/json' : 'application/graphql-response+json')
        .send(JSON.stringify({ errors: [error.toJSON()] }));
    };

    app.use(
      '/graphql',
      express.json({
        limit: config.bodyLimitBytes,
        type: ['application/json', 'application/graphql-response+json'],
      }),
      tokenLimit,
      expressMiddleware(apollo, {
        context: async ({ req }) => {
          // A presented token that is not valid fails the whole request (SPEC section 2).
          const auth = await authenticate(services, req.header('authorization'));
          if (auth instanceof GraphQLError) throw auth;
          const viewer = auth?.viewer ?? null;
          return buildContext({
            app: services,
            container,
            em: orm.em,
            viewer,
            requestId: String(req.res?.locals.requestId ?? uuidv7()),
            ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
          });
        },
      }),
    );

    // Body-parser failures as GraphQL-shaped errors, never HTML or stack traces.
    app.use(
      (err: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
        const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
        if (status === 500) log.error({ err, requestId: res.locals.requestId }, 'http error');
        const message =
          err.type === 'entity.too.large'
            ? `Request body too large (limit ${config.bodyLimitBytes} bytes).`
            : status === 500
              ? 'Internal server error'
              : 'The request body is not valid JSON.';
        res.status(status).json({
          errors: [
            { message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } },
          ],
        });
        void req;
      },
    );

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
    relay.start();
    retention.start();
    // Other instances may move the sandbox clock; and the daily job runs once a business day.
    // One of each at a time, remembered, so shutdown can wait for a step under way.
    let clockRefresh: Promise<void> | null = null;
    let dailyJob: Promise<void> | null = null;
    const ticker = setInterval(() => {
      clockRefresh ??= services.sandbox
        .load(orm.em)
        .catch((err: unknown) => log.warn({ err }, 'sandbox clock refresh failed'))
        .finally(() => (clockRefresh = null));
      if (config.dailyJobAutorun && !dailyJob) {
        dailyJob = services.dailyJob
          .run(orm.em.fork(), clock.today())
          .then(
            () => undefined,
            (err: unknown) =>
              err instanceof DailyJobInterrupted
                ? log.info({ day: err.day }, 'daily job handed back at shutdown')
                : log.error({ err }, 'daily job failed'),
          )
          .finally(() => (dailyJob = null));
      }
    }, 1000);
    ticker.unref();
    cleanups.push(async () => clearInterval(ticker));
    // Payments and payouts that a crash or a gateway timeout left PENDING: asked again with the same reference.
    let recovering: Promise<void> | null = null;
    const recovery = setInterval(
      () => {
        recovering ??= services.repayments
          .recoverPending(orm.em.fork(), config.gatewayRecoveryMs)
          .then(
            () => undefined,
            (err: unknown) => log.warn({ err }, 'gateway recovery failed'),
          )
          .finally(() => (recovering = null));
      },
      Math.max(10, Math.floor(config.gatewayRecoveryMs / 2)),
    );
    recovery.unref();
    cleanups.push(async () => clearInterval(recovery));
    const port = (httpServer.address() as AddressInfo).port;
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const url = `http://${shownHost}:${port}/graphql`;
    log.info({ url, embeddedPostgres: !!embedded, redis: !!config.redisUrl }, 'server ready');

    let closing: Promise<void> | null = null;
    return {
      url,
      port,
      orm,
      services,
      container,
      log,
      close() {
        closing ??= (async () => {
          log.info('shutting down');
          // No new daily-job run, clock refresh or gateway recovery; a daily-job run under way
          // finishes the account it is on and hands its day back, and it, the others under
          // way and the requests in flight finish before anything they use is closed.
          // apollo.stop() stops accepting, drains HTTP and closes the sockets (1001).
          clearInterval(ticker);
          clearInterval(recovery);
          services.dailyJob.stop(); // a run under way stops after its current account
          await Promise.all([apollo.stop(), dailyJob, clockRefresh, recovering]);
          await Promise.all([relay.stop(), retention.stop()]);
          await cleanup();
          log.info('shutdown complete');
        })();
        return closing;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
