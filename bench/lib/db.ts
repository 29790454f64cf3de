import { Client } from 'pg';

/** Server-level connection used to create and drop bench databases. */
export function adminUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery<T extends object = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
  url = adminUrl(),
): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Bench databases are named `bench_<ms>` so stale ones (a killed run) can be found and dropped. */
export async function createBenchDatabase(label = ''): Promise<BenchDatabase> {
  const name = `bench_${Date.now()}${label ? `_${label}` : ''}`;
  await adminQuery(`create database "${name}"`);
  return {
    name,
    url: withDatabase(adminUrl(), name),
    drop: async () => {
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
}

/** Drops bench databases older than an hour (left behind by interrupted runs). */
export async function dropStaleBenchDatabases(): Promise<string[]> {
  const cutoff = `bench_${Date.now() - 3_600_000}`;
  const rows = await adminQuery<{ datname: string }>(
    `select datname from pg_database where datname ~ '^bench_[0-9]{13}' and datname < $1`,
    [cutoff],
  );
  for (const { datname } of rows) await adminQuery(`drop database if exists "${datname}" with (force)`);
  return rows.map((r) => r.datname);
}

export async function serverVersion(): Promise<string> {
  const [row] = await adminQuery<{ v: string }>(`select current_setting('server_version') as v`);
  return row?.v ?? 'unknown';
}
