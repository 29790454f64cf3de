import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { Clock } from '../lib/clock';
import { createLogger, type Logger } from '../lib/logger';
import { resolvers } from '../resolvers';
import { DailyJobInterrupted } from '../services/servicing/daily-job.service';
import { LiveHub } from '../subscriptions/common/live-stream';
import { OutboxRelay } from '../subscriptions/common/outbox-relay';
import { OutboxRetention } from '../subscriptions/common/outbox-retention';
import { buildAppSchema } from './build-schema';
import { composeServices, type App } from './compose';
import { Cleanups, openDatabase, openEventBus } from './connections';
import { createHttpApp, mountRoutes, startApollo } from './http';
import { createQueryLimits } from './limits';
import { Metrics } from './metrics';
import { AppResolverContainer } from './resolver-container';
import { Scheduler } from './scheduler';
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
  /** The background jobs: how many runs of each have finished (tests wait for passes of a worker). */
  jobs: Pick<Scheduler, 'runsFinished'>;
  /** Graceful: stop accepting, finish in-flight requests, close sockets (1001), stop the relay, close the ORM and Redis. */
  close(): Promise<void>;
}

/**
 * Background work: other instances may move the sandbox clock; the daily job runs once a
 * business day (when autorun); payments and payouts a crash or a gateway timeout left
 * PENDING are asked again with the same reference; the outbox relay and its retention.
 */
function scheduleJobs(scheduler: Scheduler, services: App, orm: MikroORM): Scheduler {
  const { config, log, clock } = services;
  scheduler.every('sandbox clock', 1000, () =>
    services.sandbox.load(orm.em).catch((err: unknown) => log.warn({ err }, 'sandbox clock refresh failed')),
  );
  if (config.dailyJobAutorun) {
    scheduler.every('daily job', 1000, () =>
      services.dailyJob.run(orm.em.fork(), clock.today()).catch((err: unknown) => {
        if (err instanceof DailyJobInterrupted)
          log.info({ day: err.day }, 'daily job handed back at shutdown');
        else log.error({ err }, 'daily job failed');
      }),
    );
  }
  scheduler.every('gateway recovery', Math.max(10, Math.floor(config.gatewayRecoveryMs / 2)), () =>
    Promise.all([
      services.repayments.recoverPending(orm.em.fork(), config.gatewayRecoveryMs),
      services.cashMovements.recoverPending(orm.em.fork(), config.gatewayRecoveryMs),
      services.settlements.recoverPending(orm.em.fork(), config.gatewayRecoveryMs),
    ]).catch((err: unknown) => log.warn({ err }, 'gateway recovery failed')),
  );
  // Webhooks owed (durable: written with their cause), delivered by whichever instance claims them.
  scheduler.every('webhooks', config.webhookPollMs, () =>
    services.webhooks
      .deliverDue(orm.em.fork())
      .catch((err: unknown) => log.warn({ err }, 'webhook delivery failed')),
  );
  scheduler.every('checkout expiry', 60_000, () =>
    services.checkouts
      .expire(orm.em.fork(), clock.now())
      .catch((err: unknown) => log.warn({ err }, 'checkout expiry failed')),
  );
  // The admins' live dashboard ticks only while someone watches; it stops with the rest.
  scheduler.loop(services.dashboard);
  // A run of the daily job under way stops after its current account and hands its day back.
  return scheduler.beforeStop(() => services.dailyJob.stop());
}

/**
 * HTTP and WebSocket on one port: Apollo for queries and mutations, graphql-ws for
 * subscriptions, with the same limits on both; resolves once listening.
 */
async function serveHttp(args: {
  config: Config;
  log: Logger;
  services: App;
  container: AppResolverContainer;
  em: MikroORM['em'];
}) {
  const { config, log, services, container } = args;
  const schema = await buildAppSchema();
  const metrics = new Metrics();
  const limits = createQueryLimits(config.limits);
  const app = createHttpApp(config);
  const httpServer = app.server;
  const ws = attachWebSocket({
    httpServer,
    schema,
    em: args.em,
    services,
    container,
    config,
    limits,
    metrics,
  });
  const apollo = await startApollo({
    config,
    schema,
    httpServer,
    limits,
    metrics,
    drainWebSocket: () => ws.dispose(),
  });
  mountRoutes(app, { config, log, apollo, services, container, em: args.em, limits, metrics });

  await app.listen({ port: config.port, host: config.host });
  return { apollo, port: (httpServer.address() as AddressInfo).port };
}

/**
 * No new scheduled run; the runs under way and the requests in flight finish before anything
 * they use is closed. apollo.stop() stops accepting, drains HTTP and closes the sockets
 * (1001); then the relay publishes what was committed and stops; then connections close.
 */
async function shutdown(
  log: Logger,
  apollo: { stop(): Promise<void> },
  scheduler: Scheduler,
  cleanups: Cleanups,
): Promise<void> {
  log.debug('shutting down'); // one line at info for a Ctrl-C: 'shutdown complete'
  await Promise.all([apollo.stop(), scheduler.halt()]);
  await scheduler.stop();
  await cleanups.run();
  log.info('shutdown complete');
}

export async function createServer(config: Config, options: { log?: Logger } = {}): Promise<AppServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const cleanups = new Cleanups(log);
  try {
    const db = await openDatabase(config, log, cleanups);
    const { bus, rateLimiter } = await openEventBus(config, log, cleanups);
    const relay = new OutboxRelay(db.url, bus, log, config.relayPollMs);
    const live = new LiveHub(db.knex, bus, log, config.outboxRetentionDays);
    cleanups.add(() => live.close());
    const retention = new OutboxRetention(
      db.knex,
      log,
      config.outboxRetentionDays,
      config.outboxPruneIntervalMs,
    );

    const services = composeServices({
      config,
      clock: new Clock(),
      log,
      knex: db.knex,
      relay,
      bus,
      live,
      rateLimiter,
    });
    const container = new AppResolverContainer(services, resolvers);
    await services.sandbox.load(db.orm.em);
    await services.sessions.start();
    cleanups.add(() => services.sessions.close());

    const { apollo, port } = await serveHttp({ config, log, services, container, em: db.orm.em });
    const scheduler = scheduleJobs(new Scheduler(log).loop(relay).loop(retention), services, db.orm);
    scheduler.start();

    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const url = `http://${shownHost}:${port}/graphql`;
    log.info({ url, embeddedPostgres: db.embedded, redis: !!config.redisUrl }, 'server ready');

    let closing: Promise<void> | null = null;
    return {
      url,
      port,
      orm: db.orm,
      services,
      container,
      log,
      jobs: scheduler,
      close: () => (closing ??= shutdown(log, apollo, scheduler, cleanups)),
    };
  } catch (err) {
    await cleanups.run();
    throw err;
  }
}
