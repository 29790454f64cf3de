import { ReferenceKind, type EntityMetadata, type EntityProperty } from '@mikro-orm/core';
import { textArray, type InsertSpec } from './multi-insert';

/**
 * Rows for the one-statement inserts of the hot paths (`src/db/multi-insert.ts`), with
 * their column lists read from the entities' metadata rather than written out by hand: a
 * column added to an entity is written here too, with the value the entity gives it (or
 * its default), and one that nothing fills stops every write instead of going in as NULL.
 * The lists are built once per ORM; a request only reads its values into them.
 */

/** Parameters PostgreSQL must be told the type of, by the column's type. */
const CASTS: Readonly<Record<string, string>> = { jsonb: 'jsonb', 'text[]': 'text[]', date: 'date' };

const NO_VALUE = Symbol('no value');

interface Column {
  /** The entity's property and the table's column. */
  prop: string;
  name: string;
  /** What goes in when the source has no value: the entity's default, null, or nothing (an error). */
  fallback: unknown;
  /** A text[] column: bound as one array literal, which the driver would otherwise expand. */
  textArray: boolean;
}

/** The metadata a table's insert is built from (a slice of MikroORM's `EntityMetadata`). */
export type TableMetadata = Pick<EntityMetadata, 'className' | 'tableName' | 'props'>;

function fallbackOf(p: EntityProperty): unknown {
  const d: unknown = p.default;
  if (typeof d === 'string' || typeof d === 'number' || typeof d === 'boolean') return d;
  return p.nullable ? null : NO_VALUE;
}

/** The column a property is stored in; null for what the database fills (serial keys) or nothing stores. */
function columnOf(meta: TableMetadata, p: EntityProperty): Column | null {
  if (p.persist === false || p.formula || p.generated || (p.primary && p.autoincrement)) return null;
  if (p.kind !== ReferenceKind.SCALAR || p.fieldNames?.length !== 1) {
    // Relations and embeddables would need their own mapping; the tables written here have none.
    throw new Error(
      `${meta.className}.${p.name}: the one-statement insert writes single scalar columns only`,
    );
  }
  return {
    prop: p.name,
    name: p.fieldNames[0]!,
    fallback: fallbackOf(p),
    textArray: p.columnTypes?.[0] === 'text[]',
  };
}

/** One table of the insert: its columns in the entity's order, and the casts they need. */
export class TableInsert {
  readonly table: string;
  readonly columns: readonly Column[];
  private readonly casts: Record<string, string> = {};

  constructor(private readonly meta: TableMetadata) {
    this.table = meta.tableName;
    this.columns = meta.props.map((p) => columnOf(meta, p)).filter((c): c is Column => c !== null);
    for (const p of meta.props) {
      const cast = CASTS[p.columnTypes?.[0] ?? ''];
      if (cast && this.columns.some((c) => c.prop === p.name)) this.casts[p.fieldNames[0]!] = cast;
    }
  }

  /** A row from an entity, or the data it is created from, read by property name. */
  fromEntity(source: object): Record<string, unknown> {
    return this.row((c) => (source as Record<string, unknown>)[c.prop]);
  }

  /** A row another service built by column name (notification, audit entry, outbox event). */
  fromColumns(source: Record<string, unknown>): Record<string, unknown> {
    return this.row((c) => source[c.name]);
  }

  spec(rows: Record<string, unknown>[]): InsertSpec {
    return { table: this.table, rows, casts: this.casts };
  }

  private row(read: (c: Column) => unknown): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (const c of this.columns) {
      let v = read(c);
      if (v === undefined) v = c.fallback;
      if (v === NO_VALUE) {
        throw new Error(`${this.table}.${c.name} (${this.meta.className}.${c.prop}) has no value to insert`);
      }
      row[c.name] = c.textArray && Array.isArray(v) ? textArray(v as string[]) : v;
    }
    return row;
  }
}
