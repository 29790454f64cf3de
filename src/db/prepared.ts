import type { Knex } from '@mikro-orm/postgresql';
import type { ClientBase, QueryResultRow } from 'pg';

/** knex's pool of the ORM's connections (its client's own methods). */
interface Pool {
  acquireConnection(): Promise<ClientBase>;
  releaseConnection(connection: ClientBase): unknown;
}

/** Beyond this many distinct texts, statements run unnamed (a text that varies should not fill every connection). */
const MAX_NAMED = 200;
/** Each named statement's text as the driver takes it, by the text given. */
const named = new Map<string, { name: string; text: string }>();

/** `?` placeholders as the driver's `$1, $2, …` (the statements given here have no `?` in literals). */
export function positional(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * One statement of a hot path on a pooled connection of the ORM, straight through the
 * driver and named, so PostgreSQL parses and plans it once per connection instead of on
 * every request (a 15-CTE statement costs more to plan than to run). Autocommit: the
 * statement is its own transaction. `?` placeholders, as in `knex.raw`.
 */
export async function runPrepared<R extends QueryResultRow = QueryResultRow>(
  knex: Knex,
  sql: string,
  values: readonly unknown[],
): Promise<R[]> {
  let statement = named.get(sql);
  if (statement === undefined && named.size < MAX_NAMED) {
    statement = { name: `hot${named.size + 1}`, text: positional(sql) };
    named.set(sql, statement);
  }
  // Announced like the ORM's own statements, for whoever listens (logs, tests).
  if (knex.listenerCount('query') > 0) knex.emit('query', { sql, bindings: values, name: statement?.name });
  const pool = knex.client as Pool;
  const connection = await pool.acquireConnection();
  try {
    return (await connection.query<R>({ ...(statement ?? { text: positional(sql) }), values: [...values] }))
      .rows;
  } finally {
    pool.releaseConnection(connection);
  }
}
