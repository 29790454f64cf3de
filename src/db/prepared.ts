import type { Knex } from '@mikro-orm/postgresql';
import type { ClientBase, QueryResultRow } from 'pg';

/** knex's pool of the ORM's connections (its client's own methods). */
interface Pool {
  acquireConnection(): Promise<ClientBase>;
  releaseConnection(connection: ClientBase): unknown;
}

/** Beyond this many distinct texts, statements run unnamed (a text that varies should not fill every connection). */
const MAX_NAMED = 200;
const names = new Map<string, string>();

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
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `hot${names.size + 1}`;
    names.set(sql, name);
  }
  // Announced like the ORM's own statements, for whoever listens (logs, tests).
  if (knex.listenerCount('query') > 0) knex.emit('query', { sql, bindings: values, name });
  const pool = knex.client as Pool;
  const connection = await pool.acquireConnection();
  try {
    const text = positional(sql);
    return (
      await connection.query<R>(name ? { name, text, values: [...values] } : { text, values: [...values] })
    ).rows;
  } finally {
    pool.releaseConnection(connection);
  }
}
