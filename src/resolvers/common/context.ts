import type { RequestScope } from '../../services/common/request-scope';

/**
 * Where type-graphql takes resolver instances from (each built once per server with the
 * services its constructor names), and where a `subscribe` function, which has no
 * instance, finds the service it needs.
 */
export interface ResolverContainer {
  get<T>(cls: abstract new (...args: never[]) => T): T;
}

/** The GraphQL context: one request's scope, and the server's resolver container. */
export interface ResolverContext extends RequestScope {
  container: ResolverContainer;
}
