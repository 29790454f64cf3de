import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { BARE_TABLES_SQL, bareBody } from '../baseline/bare-apollo-pg';
import { runPgbench, type PgbenchResult } from '../baseline/pgbench';
import { createBenchDatabase, dropStaleBenchDatabases, type BenchDatabase } from './db';
import { contractOperation, gql, must } from './graphql';
import { machineInfo, type MachineInfo } from './machine';
import { measureMedian, type Measurement } from './measure';
import { deleteRedisPrefix, redisReachable } from './redis';
import { envNumber } from './report';
import { BENCH_NODE_ENV, PRODUCT_ENTRY, productEnv, spawnServer, type ChildServer } from './servers';

/** Durations and loads, from the environment (all optional). */
export interface BenchConfig {
  saturateSec: number;
  openSec: number;
  warmupSec: number;
  rate: number;
  concurrency: number;
  connections: number;
  pgbenchSec: number;
  pgbenchClients: number;
  redisUrl: string | null;
  writeResults: boolean;
  /** Each HTTP measurement is run this many times and the median run kept. */
  repeat: number;
}

export function benchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const redis = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  return {
    saturateSec: envNumber('BENCH_SATURATE_SEC', 10, env),
    openSec: envNumber('BENCH_OPEN_SEC', 15, env),
    warmupSec: envNumber('BENCH_WARMUP_SEC', 3, env),
    rate: envNumber('BENCH_RATE', 500, env),
    concurrency: envNumber('BENCH_CONCURRENCY', 64, env),
    connections: envNumber('BENCH_CONNECTIONS', 64, env),
    pgbenchSec: envNumber('BENCH_PGBENCH_SEC', 10, env),
    pgbenchClients: envNumber('BENCH_PGBENCH_CLIENTS', 8, env),
    redisUrl: redis === '' || redis === 'none' ? null : redis,
    writeResults: env.BENCH_WRITE_RESULTS !== '0',
    repeat: Math.round(envNumber('BENCH_REPEAT', 1, env)),
  };
}

export interface BenchContext {
  config: BenchConfig;
  machine: MachineInfo;
  db: BenchDatabase;
  redisPrefix: string;
  notes: string[];
}

/**
 * Creates a fresh database (the product migrates it when it starts), a private Redis
 * prefix, and cleans both up afterwards, also on Ctrl-C.
 */
export async function withBenchEnvironment<T>(
  name: string,
  fn: (ctx: BenchContext) => Promise<T>,
): Promise<T> {
  const config = benchConfig();
  const notes: string[] = [];
  const stale = await dropStaleBenchDatabases();
  if (stale.length) console.log(`dropped stale bench databases: ${stale.join(', ')}`);
  if (config.redisUrl && !(await redisReachable(config.redisUrl))) {
    notes.push(
      `Redis at ${config.redisUrl} was not reachable: the product ran with in-process pub/sub and rate limits.`,
    );
    config.redisUrl = null;
  }
  const machine = await machineInfo();
  const db = await createBenchDatabase();
  const redisPrefix = `bench:${name}:${randomBytes(4).toString('hex')}:`;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await db.drop().catch((err: unknown) => console.error(`could not drop ${db.name}:`, err));
    if (config.redisUrl) await deleteRedisPrefix(config.redisUrl, redisPrefix).catch(() => undefined);
  };
  const onSignal = () => {
    console.error('\ninterrupted: cleaning up');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn({ config, machine, db, redisPrefix, notes });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

export interface Baselines {
  pgbench: PgbenchResult | null;
  /** pgbench with one client: the latency floor of one commit here (WAL flush included). */
  pgbenchSerial: PgbenchResult | null;
  bareSaturated: Measurement;
  bareOpen: Measurement;
  /** The bare server's `{ hello }`, saturated: the fixed cost of a request on the bare stack. */
  bareHello: Measurement;
}

/**
 * PostgreSQL's limit (pgbench) and the bare Apollo + pg mutation, saturated and open-loop,
 * on the product's own transport (Fastify 5 through @as-integrations/fastify; Express 5 is
 * compared in bench/transport.ts), plus its `{ hello }` saturated.
 */
export async function runBaselines(ctx: BenchContext): Promise<Baselines> {
  const { config: c, db } = ctx;
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query(BARE_TABLES_SQL);
  await client.end();

  let pgbench: PgbenchResult | null = null;
  console.log(`pgbench: ${c.pgbenchClients} clients, ${c.pgbenchSec} s (+${c.warmupSec} s warm-up)…`);
  try {
    pgbench = await runPgbench({
      databaseUrl: db.url,
      clients: c.pgbenchClients,
      durationSec: c.pgbenchSec,
      warmupSec: c.warmupSec,
    });
  } catch (err) {
    ctx.notes.push(`pgbench did not run: ${(err as Error).message.split('\n')[0]}`);
  }
  let pgbenchSerial: PgbenchResult | null = null;
  if (pgbench && process.env.BENCH_PGBENCH_SERIAL !== '0') {
    const secs = Math.max(3, Math.round(c.pgbenchSec / 2));
    console.log(`pgbench: 1 client (commit latency floor), ${secs} s…`);
    pgbenchSerial = await runPgbench({
      databaseUrl: db.url,
      clients: 1,
      threads: 1,
      durationSec: secs,
      warmupSec: 1,
    }).catch(() => null);
  }

  const bare = await spawnServer('bare Apollo + pg', join(__dirname, '..', 'baseline', 'bare-fastify.ts'), {
    BENCH_DATABASE_URL: db.url,
    // Same NODE_ENV as the product under test (graphql-js reads it).
    NODE_ENV: BENCH_NODE_ENV,
  });
  try {
    const probe = await gql<{ benchSubmit: { id: string } }>(
      bare.url,
      bareBody(0).query,
      bareBody(0).variables,
    );
    must(probe, 'bare baseline probe');
    const common = {
      url: bare.url,
      bodyFactory: bareBody,
      serverPid: bare.pid,
      warmupSec: c.warmupSec,
    };
    console.log(`bare Apollo + pg: saturated, ${c.concurrency} in flight, ${c.saturateSec} s…`);
    const bareSaturated = await measureMedian(
      {
        ...common,
        name: 'bare Apollo + pg, 4-row insert',
        mode: 'saturate',
        concurrency: c.concurrency,
        durationSec: c.saturateSec,
      },
      c.repeat,
    );
    console.log(`bare Apollo + pg: open loop ${c.rate}/s, ${c.openSec} s…`);
    const bareOpen = await measureMedian(
      {
        ...common,
        name: 'bare Apollo + pg, 4-row insert',
        mode: 'open',
        rate: c.rate,
        connections: c.connections,
        durationSec: c.openSec,
      },
      c.repeat,
    );
    console.log(`bare Apollo: { hello } saturated, ${c.concurrency} in flight, ${c.saturateSec} s…`);
    const bareHello = await measureMedian(
      {
        url: bare.url,
        serverPid: bare.pid,
        warmupSec: c.warmupSec,
        body: { query: '{ hello }' },
        expectContains: ['"hello":"world"'],
        name: 'bare Apollo `{ hello }`',
        mode: 'saturate',
        concurrency: c.concurrency,
        durationSec: c.saturateSec,
      },
      c.repeat,
    );
    return { pgbench, pgbenchSerial, bareSaturated, bareOpen, bareHello };
  } finally {
    await bare.stop();
  }
}

/** The product's own server (createServer) in a child process, on the bench database. */
export function startProduct(ctx: BenchContext): Promise<ChildServer> {
  return spawnServer(
    'product',
    PRODUCT_ENTRY,
    productEnv({ databaseUrl: ctx.db.url, redisUrl: ctx.config.redisUrl, redisPrefix: ctx.redisPrefix }),
  );
}

/** Signs up a fresh user through the contract's SignUp and returns the access token. */
export async function signUp(
  url: string,
  o: { email?: string; name?: string; roles?: string[] } = {},
): Promise<{ accessToken: string; userId: string }> {
  const email = o.email ?? `bench-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  const r = await gql<{
    signUp: {
      accessToken: string | null;
      user: { id: string } | null;
      userErrors: { field: string[]; message: string; code: string }[];
    };
  }>(url, contractOperation('auth.graphql', 'SignUp'), {
    input: {
      email,
      password: 'bench-password-1234',
      name: o.name ?? 'Bench Borrower',
      ...(o.roles ? { roles: o.roles } : {}),
    },
  });
  const p = must(r, 'signUp').signUp;
  if (p.userErrors.length || !p.accessToken || !p.user)
    throw new Error(`signUp: ${JSON.stringify(p.userErrors)}`);
  return { accessToken: p.accessToken, userId: p.user.id };
}
