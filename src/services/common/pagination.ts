import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { badInput } from '../../lib/errors';
import { isUuid } from '../../lib/ids';

/** A page request of a Relay connection. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface PageInfoData {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** One page of a list, in the shape of every `XxxConnection` type. */
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfoData;
  totalCount: number;
}

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

/** Page size from `first`: default 20, at most 100; a negative value is the client's mistake. */
export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE;
  if (first < 0) return 0;
  return Math.min(first, MAX_PAGE);
}

export const encodeCursor = (id: string): string => Buffer.from(`c:${id}`).toString('base64url');

/**
 * The id behind a cursor, or null when the cursor is not one of ours. Only a well-formed id
 * comes out: anything else would reach the database as a comparison against a uuid column
 * and fail there as an internal error.
 */
export function decodeCursor(cursor: string | null | undefined): string | null {
  if (!cursor || cursor.length > 100) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('c:')) return null;
  const id = text.slice(2);
  return isUuid(id) ? id : null;
}

/** The id after which a page starts: undefined for a first page; BAD_USER_INPUT for a cursor that is not ours. */
export function afterId(after: string | null | undefined): string | undefined {
  if (after == null) return undefined;
  const id = decodeCursor(after);
  if (!id) throw badInput('`after` is not a valid cursor.');
  return id;
}

/**
 * A page from rows fetched with `limit size + 1` (the extra row says whether more follow).
 * Cursors are the rows' time-ordered ids, made opaque.
 */
export function toConnection<R extends { id: string }, T>(
  rows: R[],
  size: number,
  totalCount: number,
  hadAfter: boolean,
  map: (row: R) => T,
): Connection<T> {
  const edges = rows.slice(0, size).map((r) => ({ cursor: encodeCursor(r.id), node: map(r) }));
  return {
    edges,
    totalCount,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage: hadAfter,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * The one page query of every list: the rows of `entity` matching `where`, in id (time)
 * order, after the cursor, with the list's total count.
 */
export async function findPage<E extends { id: string }>(
  em: EntityManager,
  entity: new () => E,
  where: FilterQuery<E>,
  args: PageArgs,
  order: 'asc' | 'desc' = 'desc',
): Promise<Connection<E>> {
  const size = pageSize(args.first);
  const after = afterId(args.after);
  const filter = (
    after === undefined
      ? where
      : { $and: [where, { id: order === 'desc' ? { $lt: after } : { $gt: after } }] }
  ) as FilterQuery<E>;
  const [rows, total] = await Promise.all([
    em.find(entity, filter, { orderBy: { id: order } as never, limit: size + 1 }),
    em.count(entity, where),
  ]);
  return toConnection(rows, size, total, after !== undefined, (r) => r);
}

/** The same page with each node mapped (entity to view). */
export const mapConnection = <A, B>(c: Connection<A>, map: (node: A) => B): Connection<B> => ({
  ...c,
  edges: c.edges.map((e) => ({ cursor: e.cursor, node: map(e.node) })),
});
