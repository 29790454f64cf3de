import { createHash } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  getOperationAST,
  type GraphQLSchema,
  type DocumentNode,
} from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { uuidv7 } from '../lib/ids';
import type { ResolverContainer } from '../resolvers/common/context';
import type { Viewer } from '../services/common/request-scope';
import type { App } from './compose';
import { authenticate, buildContext, invalidToken } from './context';
import { isClientError, maskError } from './errors';
import type { QueryLimits } from './limits';
import type { Metrics } from './metrics';

interface SocketState {
  viewer: Viewer | null;
  /** When the socket's access token expires (epoch ms); null for a signed-out socket. */
  expiresAt: number | null;
  ip: string;
  /** Open operations by id: whether each is a subscription. */
  operations: Map<string, boolean>;
}

/** Validated documents kept per instance, and the longest text worth keeping (the contract's are far shorter). */
const DOCUMENT_CACHE_ENTRIES = 256;
const DOCUMENT_CACHE_MAX_QUERY = 8 * 1024;

/** Close code of a socket that outlived its access token or session (SPEC section 2). */
export const CLOSE_UNAUTHORIZED = 4401;
/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Extra = { socket: WebSocket; request: IncomingMessage; state?: SocketState };

/** A browser may connect from an allowed origin or the server's own; other clients send no Origin. */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: string[],
): boolean {
  if (!origin) return true;
  if (allowed.includes(origin) || allowed.includes('*')) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * The client address as Express computes it with `trust proxy` set to a hop count: the
 * socket's peer, or, through `hops` trusted proxies, the address the outermost one saw (the
 * entry that many places from the right of the peer in X-Forwarded-For). Never the
 * left-most entry, which the client writes itself.
 */
export function clientAddress(request: IncomingMessage, hops: number): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (hops <= 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .reverse();
  const chain = [peer, ...forwarded];
  return chain[Math.min(hops, chain.length - 1)]!;
}

/**
 * graphql-ws on the HTTP server's port and path. graphql-ws bypasses Apollo's plugins, so
 * every protection is applied here again: message size (64 KiB), the `connection_init`
 * deadline, the Origin allow-list, a cap on subscriptions per socket, and the same token,
 * depth, alias, directive and cost limits before anything executes.
 */
export function attachWebSocket(args: {
  httpServer: Server;
  schema: GraphQLSchema;
  orm: MikroORM;
  services: App;
  container: ResolverContainer;
  config: Config;
  limits: QueryLimits;
  metrics: Metrics;
}) {
  const { config, services, metrics } = args;
  const wss = new WebSocketServer({
    server: args.httpServer,
    path: '/graphql',
    maxPayload: config.limits.wsMaxPayloadBytes,
    verifyClient: (
      { origin, req }: { origin: string; req: IncomingMessage },
      done: (ok: boolean, code?: number, message?: string) => void,
    ) =>
      originAllowed(origin || undefined, req.headers.host, config.allowedOrigins)
        ? done(true)
        : done(false, 403, 'Origin not allowed'),
  });
  wss.on('connection', (socket) => {
    metrics.openSockets.inc();
    socket.once('close', () => metrics.openSockets.dec());
  });
  const rules = [...specifiedRules, ...args.limits.rules];
  // Parsed and validated documents by digest of their text, least recently used dropped
  // first: anyone may open a socket, so neither the texts nor large documents are kept.
  const documents = new Map<string, DocumentNode>();

  /** Sockets by session, to close them when their session signs out. */
  const bySession = new Map<string, Set<WebSocket>>();

  function unauthorized(socket: WebSocket): void {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
      socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: the access token expired or its session ended');
    }
  }

  async function stillSignedIn(state: SocketState): Promise<boolean> {
    if (state.expiresAt !== null && Date.now() >= state.expiresAt) return false;
    return services.sessions.isLive(state.viewer!.sessionId);
  }

  /** Ties a socket to its token: closed at the token's expiry and when its session ends. */
  function bind(socket: WebSocket, sessionId: string, expiresAt: number): void {
    if (socket.readyState !== socket.OPEN) return; // gone while its token was checked
    const timer = setTimeout(
      () => unauthorized(socket),
      Math.min(Math.max(expiresAt - Date.now(), 0), MAX_TIMER_MS),
    );
    timer.unref();
    let sockets = bySession.get(sessionId);
    if (!sockets) bySession.set(sessionId, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', () => {
      clearTimeout(timer);
      const set = bySession.get(sessionId);
      set?.delete(socket);
      if (set && !set.size) bySession.delete(sessionId);
    });
  }

  const closeSession = (sessionId: string): void => {
    for (const socket of bySession.get(sessionId) ?? []) unauthorized(socket);
  };
  const stopEnded = services.sessions.onEnded(closeSession);
  // Sign-outs announced while the bus was away were missed: ask the database about the rest.
  const stopResync = services.sessions.onResync(() => {
    services.sessions
      .endedAmong([...bySession.keys()])
      .then((ended) => ended.forEach(closeSession))
      .catch((err: unknown) => services.log.warn({ err }, 'could not recheck WebSocket sessions'));
  });

  const handle = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema: args.schema,
      connectionInitWaitTimeout: config.limits.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const auth = await authenticate(services, params.authorization ?? params.Authorization);
        // A token that is not valid is refused (4403, graphql-ws's refusal of connection_init;
        // its client retries, asking its connectionParams again), never silently anonymous.
        if (auth instanceof GraphQLError) return false;
        const socket = ctx.extra.socket;
        ctx.extra.state = {
          viewer: auth?.viewer ?? null,
          expiresAt: auth?.expiresAt ?? null,
          ip: clientAddress(ctx.extra.request, config.trustProxyHops),
          operations: new Map(),
        };
        if (auth) bind(socket, auth.viewer.sessionId, auth.expiresAt);
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = ctx.extra.state!;
        // The slot is taken before anything is awaited, so a burst of subscribes cannot slip
        // past the cap; a refused operation gives it back (onError releases it).
        if (state.operations.size >= config.limits.wsMaxSubscriptions) {
          return [
            new GraphQLError(
              `At most ${config.limits.wsMaxSubscriptions} operations may be open on one connection.`,
            ),
          ];
        }
        state.operations.set(id, false);
        // Every operation re-checks the token's expiry and its session (signed out on any
        // instance): the socket is closed the moment either no longer holds.
        if (state.viewer && !(await stillSignedIn(state))) {
          unauthorized(ctx.extra.socket);
          return [invalidToken()];
        }
        const tooMany = args.limits.checkTokens(payload.query);
        if (tooMany) return [tooMany];
        const key = createHash('sha256').update(payload.query).digest('base64');
        let document = documents.get(key);
        if (document) {
          documents.delete(key);
          documents.set(key, document); // most recently used last
        } else {
          try {
            document = parse(payload.query);
          } catch (err) {
            return [err as GraphQLError];
          }
          const errors = validate(args.schema, document, rules);
          if (errors.length) return errors;
          if (payload.query.length <= DOCUMENT_CACHE_MAX_QUERY) {
            documents.set(key, document);
            if (documents.size > DOCUMENT_CACHE_ENTRIES) documents.delete(documents.keys().next().value!);
          }
        }
        const op = getOperationAST(document, payload.operationName);
        if (!op) return [new GraphQLError('Unable to identify the operation to run.')];
        const isSubscription = op.operation === 'subscription';
        state.operations.set(id, isSubscription);
        if (isSubscription) metrics.openSubscriptions.inc();
        const requestId = uuidv7();
        return {
          schema: args.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: buildContext({
            app: services,
            container: args.container,
            em: args.orm.em,
            viewer: state.viewer,
            requestId,
            ip: state.ip,
          }),
        };
      },
      onError: (ctx, id, _payload, errors) => {
        release(ctx.extra.state, id);
        return errors.map((e) => maskError(e.toJSON(), e, config.env === 'production')) as never;
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if ('errors' in result && result.errors?.length) {
          for (const e of result.errors) {
            if (!isClientError(e))
              services.log.error({ err: e.originalError ?? e, path: e.path }, 'websocket operation error');
          }
          return {
            ...result,
            errors: result.errors.map((e) => maskError(e.toJSON(), e, config.env === 'production')),
          } as never;
        }
        return result;
      },
      onComplete: (ctx, id) => release(ctx.extra.state, id),
    },
    wss,
  );

  function release(state: SocketState | undefined, id: string) {
    const isSubscription = state?.operations.get(id);
    if (isSubscription === undefined) return;
    state!.operations.delete(id);
    if (isSubscription) metrics.openSubscriptions.dec();
  }

  return {
    wss,
    /** Closes every socket with 1001 (going away) and stops accepting new ones. */
    async dispose(): Promise<void> {
      stopEnded();
      stopResync();
      await handle.dispose();
    },
  };
}
