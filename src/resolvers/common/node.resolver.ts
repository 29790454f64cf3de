import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { fromGlobalId } from '../../lib/global-id';
import { Node } from '../../schema/common/node';
import type { RequestScope } from '../../services/common/request-scope';
import type { ResolverContainer, ResolverContext } from './context';

/** Finds one object of a type by its local id, or null. */
export type NodeFetch = (ctx: RequestScope, id: string) => Promise<Node | null>;

/**
 * A feature's part of `node(id:)`: for each of its types, how to find an object, through
 * the feature's own service, which applies the same visibility as the type's own query.
 */
export type NodeSource = (services: ResolverContainer) => Record<string, NodeFetch>;

/** A fetch from a service's lookup (null when absent or not the caller's) and the mapping to its GraphQL type. */
export const nodeOf =
  <V>(get: (ctx: RequestScope, id: string) => Promise<V | null>, toNode: (view: V) => object): NodeFetch =>
  async (ctx, id) => {
    const view = await get(ctx, id);
    return view ? (toNode(view) as Node) : null;
  };

/** The `node(id:)` query over the features' node sources. */
export function createNodeResolver(sources: readonly NodeSource[]): Function {
  const fetchersOf = new WeakMap<ResolverContainer, Record<string, NodeFetch>>();

  @Resolver()
  class NodeResolver {
    @Authorized()
    @Query(() => Node, {
      nullable: true,
      description: 'Any object by its global id (Relay); null if absent or not yours.',
    })
    async node(@Arg('id', () => ID) id: string, @Ctx() ctx: ResolverContext): Promise<Node | null> {
      let fetchers = fetchersOf.get(ctx.container);
      if (!fetchers) {
        fetchers = Object.assign({}, ...sources.map((source) => source(ctx.container))) as Record<
          string,
          NodeFetch
        >;
        fetchersOf.set(ctx.container, fetchers);
      }
      const parsed = fromGlobalId(id);
      const fetch = parsed && fetchers[parsed.type];
      // Anything the caller may not see is null, exactly like an id that does not exist.
      return fetch ? fetch(ctx, parsed.id) : null;
    }
  }
  return NodeResolver;
}
