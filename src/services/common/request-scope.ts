import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../../entities/identity/user.entity';
import { unauthenticated } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { UserView } from '../identity/user-view';
import type { Loaders } from './loaders';

/** Who is calling: from the access token (HTTP header or WebSocket `connection_init`). */
export interface Viewer {
  userId: string;
  roles: Role[];
  /** The session (refresh-token family) the access token belongs to. */
  sessionId: string;
  isAdmin: boolean;
  /** Set when a merchant's API key authenticated the call: merchant operations only. */
  apiKeyId?: string;
}

/** A signed-in caller and when its access token expires (epoch ms). */
export interface Authenticated {
  viewer: Viewer;
  expiresAt: number;
}

/**
 * One request (or one WebSocket operation), as services see it: who calls, a unit of work of
 * its own, its batch loaders, and where to log. It carries no services: a service names the
 * others it uses in its constructor. The unit of work, the loaders and the logger are made
 * when first used.
 */
export interface RequestScope {
  readonly requestId: string;
  readonly viewer: Viewer | null;
  /**
   * The viewer's account as an HTTP request's session check read it, in the same statement,
   * before the operation ran (null: deleted or gone); undefined when it was not read (no
   * viewer, WebSocket operations, background work).
   */
  readonly viewerAccount?: UserView | null;
  /** A fork of the ORM for this request only: its own identity map and unit of work. */
  readonly em: EntityManager;
  readonly loaders: Loaders;
  /** The client's address (rate limits). */
  readonly ip: string;
  readonly log: Logger;
}

/** The signed-in viewer, or UNAUTHENTICATED: the first line of every service method that needs one. */
export function requireViewer(scope: { viewer: Viewer | null }): Viewer {
  if (!scope.viewer) throw unauthenticated();
  return scope.viewer;
}
