import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import type { Role } from '../entities/identity/user.entity';
import { unauthenticated } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Services } from '../services';
import { createLoaders, type Loaders } from '../services/common/loaders';

/** Who is calling: from the access token (HTTP header or WebSocket `connection_init`). */
export interface Viewer {
  userId: string;
  roles: Role[];
  /** The session (refresh-token family) the access token belongs to. */
  sessionId: string;
  isAdmin: boolean;
}

/** A signed-in caller and when its access token expires (epoch ms). */
export interface Authenticated {
  viewer: Viewer;
  expiresAt: number;
}

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
  services: Pick<Services, 'tokens' | 'sessions'>,
  authorization: unknown,
): Promise<Authenticated | null | GraphQLError> {
  if (authorization === undefined || authorization === null || authorization === '') return null;
  const token = bearerToken(authorization);
  const claims = token ? await services.tokens.verifyAccess(token) : null;
  if (!claims || !(await services.sessions.isLive(claims.viewer.sessionId))) return invalidToken();
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

/** Everything a resolver may use for one request or one WebSocket operation. */
export interface RequestContext {
  requestId: string;
  viewer: Viewer | null;
  /** A fork of the ORM for this request only: its own identity map and unit of work. */
  em: EntityManager;
  loaders: Loaders;
  services: Services;
  /** The client's address (rate limits). */
  ip: string;
  log: Logger;
}

/** The signed-in viewer, or UNAUTHENTICATED: the first line of every service method that needs one. */
export function requireViewer(ctx: { viewer: Viewer | null }): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

/** The one way a context is made, for HTTP and WebSocket alike. */
export function buildContext(args: {
  services: Services;
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
    loaders: createLoaders(em, args.services.ledger),
    services: args.services,
    ip: args.ip,
    log: args.services.log.child({ requestId: args.requestId }),
  };
}
