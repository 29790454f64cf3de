import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import type { Logger } from '../lib/logger';
import type { ResolverContainer, ResolverContext } from '../resolvers/common/context';
import { createLoaders, type Loaders } from '../services/common/loaders';
import type { Authenticated, Viewer } from '../services/common/request-scope';
import type { SessionService } from '../services/identity/session.service';
import { API_KEY_PREFIX, type MerchantService } from '../services/merchants/merchant.service';
import type { TokenService } from '../services/identity/token.service';
import type { UserView } from '../services/identity/user-view';
import type { App } from './compose';

/** The GraphQL context of one HTTP request or WebSocket operation. */
export type RequestContext = ResolverContext;

/** The token of `Bearer <token>`, or null when the value has another shape. */
export function bearerToken(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(value.trim());
  return m ? m[1]! : null;
}

/** A signed-in caller, and their account as read with the session check (null: deleted). */
export interface SignedIn extends Authenticated {
  account: UserView | null;
}

/**
 * Who presents this `Authorization` value: null when no token is presented (signed out),
 * the viewer when the token is genuine, unexpired and of a session still signed in, and
 * otherwise the UNAUTHENTICATED error that tells the client to refresh (SPEC section 2).
 * The session is asked of the database on every call (one statement, which also reads the
 * viewer's account); only the token's signature check is remembered (`TokenService`).
 * Over HTTP a merchant's API key (`mk_…`) authenticates too, as its merchant's user limited to
 * merchant operations (`apiKeyScopePlugin`).
 */
export async function authenticate(
  identity: { tokens: TokenService; sessions: SessionService; merchants: MerchantService },
  authorization: unknown,
  allowApiKeys = false,
): Promise<SignedIn | null | GraphQLError> {
  if (authorization === undefined || authorization === null || authorization === '') return null;
  const token = bearerToken(authorization);
  if (token?.startsWith(API_KEY_PREFIX)) {
    // A merchant's key (HTTP only): merchant operations, for as long as the key lives.
    const viewer = allowApiKeys ? await identity.merchants.authenticateKey(token) : null;
    return viewer ? { viewer, expiresAt: Number.MAX_SAFE_INTEGER, account: null } : invalidToken();
  }
  const claims = token ? await identity.tokens.verifyAccess(token) : null;
  if (!claims) return invalidToken();
  const { viewer } = claims;
  const live = await identity.sessions.liveWithAccount(viewer.sessionId, viewer.userId);
  if (!live) return invalidToken();
  return { viewer, expiresAt: claims.expiresAt, account: live.account };
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

/**
 * One request's scope. What a request may not need is made on first use: the forked
 * EntityManager, the batch loaders (built on that fork), the child logger, and the client's
 * address when it takes work to find (behind proxies, over HTTP). A query that
 * reads nothing through the ORM (`me`, answered from the session check) forks nothing.
 */
class Scope implements RequestContext {
  private forked: EntityManager | undefined;
  private batch: Loaders | undefined;
  private logger: Logger | undefined;

  constructor(
    private readonly app: Pick<App, 'ledger' | 'log'>,
    private readonly root: EntityManager,
    readonly container: ResolverContainer,
    readonly requestId: string,
    readonly viewer: Viewer | null,
    private address: string | (() => string),
    readonly viewerAccount: UserView | null | undefined,
  ) {}

  get ip(): string {
    if (typeof this.address !== 'string') this.address = this.address();
    return this.address;
  }

  get em(): EntityManager {
    return (this.forked ??= this.root.fork());
  }

  get loaders(): Loaders {
    return (this.batch ??= createLoaders(this.em, this.app.ledger));
  }

  get log(): Logger {
    return (this.logger ??= this.app.log.child({ requestId: this.requestId }));
  }
}

/** The one way a context is made, for HTTP and WebSocket alike. */
export function buildContext(args: {
  app: Pick<App, 'ledger' | 'log'>;
  container: ResolverContainer;
  em: EntityManager;
  viewer: Viewer | null;
  /** The viewer's account, when the session check read it (see `RequestScope.viewerAccount`). */
  viewerAccount?: UserView | null;
  requestId: string;
  /** The client's address, or how to find it when first asked. */
  ip: string | (() => string);
}): RequestContext {
  return new Scope(
    args.app,
    args.em,
    args.container,
    args.requestId,
    args.viewer,
    args.ip,
    args.viewerAccount,
  );
}
