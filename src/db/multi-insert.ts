import type { Knex } from '@mikro-orm/postgresql';

/** Rows for one table; `casts` names the columns that need one (`jsonb`, `text[]`, ...). */
export interface InsertSpec {
  table: string;
  rows: Record<string, unknown>[];
  casts?: Record<string, string>;
}

/**
 * Inserts into several tables with one statement (data-modifying CTEs): one round trip,
 * atomic on its own or inside a transaction. Used on hot paths where the ORM's unit of work
 * would cost several round trips and most of the CPU.
 */
export function buildMultiInsert(specs: InsertSpec[]): { sql: string; bindings: Knex.RawBinding[] } {
  const bindings: Knex.RawBinding[] = [];
  const ctes = specs
    .filter((s) => s.rows.length)
    .map((spec, i) => {
      const cols = Object.keys(spec.rows[0]!);
      const values = spec.rows
        .map((row) => {
          const cells = cols.map((c) => {
            const v = row[c];
            const cast = spec.casts?.[c];
            bindings.push(cast === 'jsonb' && v !== null ? JSON.stringify(v) : (v as Knex.RawBinding));
            return cast ? `?::${cast}` : '?';
          });
          return `(${cells.join(', ')})`;
        })
        .join(', ');
      return `i${i} as (insert into "${spec.table}" (${cols.map((c) => `"${c}"`).join(', ')}) values ${values} returning 1)`;
    });
  return { sql: `with ${ctes.join(',\n')} select 1`, bindings };
}

export async function multiInsert(db: Knex | Knex.Transaction, specs: InsertSpec[]): Promise<void> {
  const { sql, bindings } = buildMultiInsert(specs);
  await db.raw(sql, bindings);
}

/** A PostgreSQL array literal for a text[] parameter (the driver would otherwise expand it). */
export const textArray = (items: string[]): string =>
  `{${items.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
