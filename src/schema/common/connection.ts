import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { isUuid } from '../../lib/ids';

@ObjectType({ description: 'Relay pagination state.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Builds `XxxEdge` and `XxxConnection` object types for a node type. */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} object in a page, with its cursor.` })
  class EdgeType {
    @Field(() => String, { description: 'Opaque cursor of this edge, for `after`.' })
    cursor!: string;

    @Field(() => nodeType)
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} objects.` })
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'How many objects the whole list holds, across all pages.' })
    totalCount!: number;
  }
  return ConnectionClass;
}

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

/** Page size from `first`: default 20, at most 100; a negative value is the client's mistake. */
export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE;
  if (first < 0) return 0;
  return Math.min(first, MAX_PAGE);
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
  const page = rows.slice(0, size);
  const edges = page.map((r) => ({ cursor: encodeCursor(r.id), node: map(r) }));
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

export const encodeCursor = (id: string): string => Buffer.from(`c:${id}`).toString('base64url');

/**
 * The id behind a cursor, or null when the cursor is not one of ours (callers answer
 * BAD_USER_INPUT). Only a well-formed id comes out: anything else would reach the database
 * as a comparison against a uuid column and fail there as an internal error.
 */
export function decodeCursor(cursor: string | null | undefined): string | null {
  if (!cursor || cursor.length > 100) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('c:')) return null;
  const id = text.slice(2);
  return isUuid(id) ? id : null;
}
