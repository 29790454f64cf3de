import type { Knex } from '@mikro-orm/postgresql';
import { runPrepared } from './prepared';

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
      const values = spec.rows.map((row) => `(${cells(spec, cols, row, bindings)})`).join(', ');
      return `i${i} as (insert into "${spec.table}" (${columnList(cols)}) values ${values} returning 1)`;
    });
  return { sql: `with ${ctes.join(',\n')} select 1`, bindings };
}

/** A common table expression the caller writes (a guarded update, a claim), with its bindings. */
export interface Cte {
  name: string;
  sql: string;
  bindings: Knex.RawBinding[];
}

/**
 * One statement whose inserts happen only if a condition held: the caller's `head` CTEs
 * run first in the plan (a guarded `UPDATE … RETURNING`, say), and every row of `specs` is
 * inserted by `INSERT … SELECT … FROM <guard>`, so when the CTE named `guard` returns no
 * row nothing is written at all. The statement returns what `select` selects.
 */
export function buildGuardedInsert(
  head: Cte[],
  guard: string,
  specs: InsertSpec[],
  select: string,
): { sql: string; bindings: Knex.RawBinding[] } {
  const bindings: Knex.RawBinding[] = head.flatMap((c) => c.bindings);
  const ctes = head.map((c) => `"${c.name}" as (${c.sql})`);
  let n = 0;
  for (const spec of specs) {
    for (const row of spec.rows) {
      // A row per CTE: parameters in an INSERT's SELECT list take the column's type, which
      // they would not inside a multi-row VALUES list.
      const cols = Object.keys(row);
      ctes.push(
        `g${n++} as (insert into "${spec.table}" (${columnList(cols)}) ` +
          `select ${cells(spec, cols, row, bindings)} from "${guard}" returning 1)`,
      );
    }
  }
  return { sql: `with ${ctes.join(',\n')}\n${select}`, bindings };
}

const columnList = (cols: string[]) => cols.map((c) => `"${c}"`).join(', ');

/** The placeholders of one row (cast where the column needs it), its values pushed to `bindings`. */
function cells(
  spec: InsertSpec,
  cols: string[],
  row: Record<string, unknown>,
  bindings: Knex.RawBinding[],
): string {
  return cols
    .map((c) => {
      const v = row[c];
      const cast = spec.casts?.[c];
      bindings.push(cast === 'jsonb' && v !== null ? JSON.stringify(v) : (v as Knex.RawBinding));
      return cast ? `?::${cast}` : '?';
    })
    .join(', ');
}

/** Runs the statement: in the caller's transaction when given one, else on its own, prepared. */
export async function multiInsert(db: Knex | Knex.Transaction, specs: InsertSpec[]): Promise<void> {
  const { sql, bindings } = buildMultiInsert(specs);
  if (db.isTransaction) await db.raw(sql, bindings);
  else await runPrepared(db, sql, bindings);
}

/** A PostgreSQL array literal for a text[] parameter (the driver would otherwise expand it). */
export const textArray = (items: string[]): string =>
  `{${items.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
