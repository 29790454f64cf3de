import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { migrate, openOrm } from '../../src/db/orm';
import { TEMPLATE_PREFIX, testDbPrefix } from '../support/databases';
import { buildSrc } from './build-src';

/**
 * Chooses the services for the whole run, once: the real PostgreSQL and Redis when
 * reachable (DATABASE_URL / REDIS_URL, or the local defaults), an embedded PostgreSQL and
 * in-process pub/sub otherwise. Migrates a template database that each test file clones.
 */
declare global {
  var __embedded: EmbeddedPostgres | undefined;
}

async function reachablePg(url: string): Promise<boolean> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function reachableRedis(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1500,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export default async function globalSetup(): Promise<void> {
  const wantEmbedded = process.env.TEST_EMBEDDED === '1';
  let adminUrl =
    process.env.TEST_DATABASE_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  if (wantEmbedded || !(await reachablePg(adminUrl))) {
    const dir = mkdtempSync(join(tmpdir(), 'credit-test-pg-'));
    globalThis.__embedded = await startEmbeddedPostgres(dir, pino({ level: 'warn' }), 'postgres');
    adminUrl = globalThis.__embedded.url;
    process.env.TEST_PG_MODE = 'embedded';
  } else {
    process.env.TEST_PG_MODE = 'real';
  }
  const redisUrl = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  process.env.TEST_REDIS_URL = !wantEmbedded && (await reachableRedis(redisUrl)) ? redisUrl : '';

  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  // Leftovers of runs that were killed more than an hour ago.
  const old = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like 'credit_t%' and datname < $1`,
    [testDbPrefix(Date.now() - 3_600_000)],
  );
  for (const { datname } of old.rows) await admin.query(`drop database if exists "${datname}" with (force)`);

  const template = `${TEMPLATE_PREFIX}${Date.now()}_${process.pid}`;
  await admin.query(`create database "${template}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  const orm = await openOrm(url.toString(), 2);
  await migrate(orm);
  await orm.close(true);
  // MikroORM keeps entity metadata on globalThis; with a single test file Jest runs it in this
  // very process, and metadata from this realm would then break discovery in the test's realm.
  for (const key of Object.keys(globalThis))
    if (key.startsWith('mikro-orm-')) delete (globalThis as Record<string, unknown>)[key];

  process.env.TEST_ADMIN_DATABASE_URL = adminUrl;
  process.env.TEST_TEMPLATE_DATABASE = template;
  // Tests skipped for what the run lacks write their names here (test/support/needs.ts).
  process.env.TEST_SKIPPED_FILE = join(mkdtempSync(join(tmpdir(), 'credit-test-skips-')), 'skipped.txt');
  // src/ compiled once, for the tests that start processes (test/support/process.ts).
  const root = join(__dirname, '..', '..');
  const built = join(root, 'node_modules', '.cache', 'credit-test-src', `${Date.now()}-${process.pid}`);
  buildSrc(root, built);
  process.env.TEST_BUILT_SRC = built;
}
