import type { Knex, MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { Config } from '../config';
import { startEmbeddedPostgres } from '../db/embedded-postgres';
import { migrate, openOrm } from '../db/orm';
import type { Logger } from '../lib/logger';
import {
  MemoryRateLimiter,
  RedisRateLimiter,
  createRateLimitRedis,
  type RateLimiter,
} from '../services/identity/rate-limiter';
import { createMemoryBus, createRedisBus, type EventBus } from '../subscriptions/common/pubsub';

/** Steps that undo what was opened, run newest first at shutdown (or when start fails half-way). */
export class Cleanups {
  private readonly steps: (() => Promise<unknown>)[] = [];
  constructor(private readonly log: Logger) {}

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse())
      await step().catch((err: unknown) => this.log.error({ err }, 'shutdown step failed'));
  }
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

export interface Database {
  orm: MikroORM;
  knex: Knex;
  url: string;
  embedded: boolean;
}

/** PostgreSQL at DATABASE_URL, or an embedded one under the data directory; migrated. */
export async function openDatabase(config: Config, log: Logger, cleanups: Cleanups): Promise<Database> {
  let url = config.databaseUrl;
  if (!url) {
    const embedded = await startEmbeddedPostgres(config.dataDir, log);
    cleanups.add(() => embedded.stop());
    url = embedded.url;
  }
  const orm = await openOrm(url, config.databasePoolMax);
  cleanups.add(() => orm.close(true));
  await migrateOnce(url, orm);
  return { orm, knex: orm.em.getConnection().getKnex(), url, embedded: !config.databaseUrl };
}

/** Live events and sign-in counters: on Redis when REDIS_URL is set, in-process otherwise. */
export async function openEventBus(
  config: Config,
  log: Logger,
  cleanups: Cleanups,
): Promise<{ bus: EventBus; rateLimiter: RateLimiter }> {
  if (!config.redisUrl) {
    const bus = createMemoryBus();
    cleanups.add(() => bus.close());
    return { bus, rateLimiter: new MemoryRateLimiter() };
  }
  const bus = createRedisBus(config.redisUrl, config.redisPrefix, log);
  const redis = createRateLimitRedis(config.redisUrl, log, config.redisCommandTimeoutMs);
  cleanups.add(async () => redis.disconnect());
  cleanups.add(() => bus.close());
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
  return { bus, rateLimiter: new RedisRateLimiter(redis, config.redisPrefix, log) };
}
