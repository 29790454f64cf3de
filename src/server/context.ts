import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import type { ResolverContainer, ResolverContext } from '../resolvers/common/context';
import { createLoaders } from '../services/common/loaders';
import type { Authenticated, Viewer } from '../services/common/request-scope';
import type { SessionService } from '../services/identity/session.service';
import type { TokenService } from '../services/identity/token.service';
import type { App } from './compose';

/** The GraphQL context of one HTTP request or WebSocket operation. */
export type RequestContext = ResolverContext;

/** The token of `Bearer <token>`, or null when the value has another shape. */
export function bearerToken(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value.trim());
  return m ? m[1]! : null;
}

/**
 * Who presents this `Authorization` value: null when no token is presented (signed out),
 * the viewer when the token is genuine, unexpired and of a session still signed in, and
 * otherwise the UNAUTHENTICATED error that tells the client to refresh (SPEC section 2).
 */
export async function authenticate(
  identity: { tokens: TokenService; sessions: SessionService },
  authorization: unknown,
): Promise<Authenticated | null | GraphQLError> {
  if (authorization === undefined || authorization === null || authorization === '') return null;
  const token = bearerToken(authorization);
  const claims = token ? await identity.tokens.verifyAccess(token) : null;
  if (!claims || !(await identity.sessions.isLive(claims.viewer.sessionId))) return invalidToken();
  return claims;
}

/** A token was presented and is not valid: refresh it or sign in again. */
export const invalidToken = (): GraphQLError =>
  new GraphQLError(
    'The access token is invalid, expired or of a signed-out session. Refresh it or sign in again.',
    {
      extensions: {
        code: 'UNAUTHENTICATED',
        http: { status: 401, headers: new Map([['www-authenticate', 'Bearer error="invalid_token"']]) },
      },
    },
  );

/** The one way a context is made, for HTTP and WebSocket alike. */
export function buildContext(args: {
  app: Pick<App, 'ledger' | 'log'>;
  container: ResolverContainer;
  em: EntityManager;
  viewer: Viewer | null;
  requestId: string;
  ip: string;
}): RequestContext {
  const em = args.em.fork();
  return {
    requestId: args.requestId,
    viewer: args.viewer,
    em,
    loaders: createLoaders(em, args.app.ledger),
    ip: args.ip,
    log: args.app.log.child({ requestId: args.requestId }),
    container: args.container,
  };
}
