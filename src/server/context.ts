import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../entities/user.entity';
import { unauthenticated } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Services } from '../services';
import { createLoaders, type Loaders } from './loaders';

/** Who is calling: from the access token (HTTP header or WebSocket `connection_init`). */
export interface Viewer {
  userId: string;
  roles: Role[];
  /** The session (refresh-token family) the access token belongs to. */
  sessionId: string | null;
  isAdmin: boolean;
}

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
