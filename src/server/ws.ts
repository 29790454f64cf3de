import type { IncomingMessage, Server } from 'node:http';
import {
  GraphQLError,
  getOperationAST,
  specifiedRules,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Context, SubscribePayload } from 'graphql-ws';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { uuidv7 } from '../lib/ids';
import type { ResolverContainer } from '../resolvers/common/context';
import type { App } from './compose';
import { authenticate, buildContext, invalidToken } from './context';
import { isClientError, maskError } from './errors';
import type { QueryLimits } from './limits';
import type { Metrics } from './metrics';
import { DocumentCache } from './document-cache';
import { FanOut, sharingKey } from './ws-fanout';
import { SocketSessions, type SocketState } from './ws-sessions';
import { serveGraphQLOverWs } from './ws-transport';

export { CLOSE_UNAUTHORIZED } from './ws-sessions';

/** What a socket's callbacks know of it: the socket, the client's address, and after `connection_init` its caller. */
type Extra = { socket: WebSocket; ip: string; state?: SocketState };

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
 * The client address as the HTTP server computes it (proxy-addr with a hop count): the
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

interface WebSocketArgs {
  httpServer: Server;
  schema: GraphQLSchema;
  /** The ORM's root EntityManager; each operation forks it. */
  em: EntityManager;
  services: App;
  container: ResolverContainer;
  config: Config;
  limits: QueryLimits;
  metrics: Metrics;
}

type WsContext = Context<Record<string, unknown> | undefined, Extra>;

/** The graphql-ws callbacks: who the socket is, what each operation may run, what errors show. */
class GraphQLOverWebSocket {
  private readonly documents: DocumentCache;
  readonly sockets: SocketSessions;
  /** Subscription events: executed once per sharing key and cursor, serialised once. */
  readonly fanOut: FanOut;

  constructor(private readonly args: WebSocketArgs) {
    this.documents = new DocumentCache(args.schema, [...specifiedRules, ...args.limits.rules]);
    this.sockets = new SocketSessions(args.services.sessions, args.services.log);
    this.fanOut = new FanOut({
      metrics: args.metrics,
      context: (s) => this.context(s.viewer, s.ip),
      finish: (result) => this.result(result),
    });
  }

  private context(viewer: SocketState['viewer'], ip: string) {
    return buildContext({
      app: this.args.services,
      container: this.args.container,
      em: this.args.em,
      viewer,
      requestId: uuidv7(),
      ip,
    });
  }

  async connect(ctx: WsContext): Promise<boolean> {
    const params = ctx.connectionParams ?? {};
    const auth = await authenticate(this.args.services, params.authorization ?? params.Authorization);
    // A token that is not valid is refused (4403, graphql-ws's refusal of connection_init;
    // its client retries, asking its connectionParams again), never silently anonymous.
    if (auth instanceof GraphQLError) return false;
    ctx.extra.state = {
      viewer: auth?.viewer ?? null,
      expiresAt: auth?.expiresAt ?? null,
      ip: ctx.extra.ip,
      operations: new Map(),
    };
    if (auth) this.sockets.bind(ctx.extra.socket, auth.viewer.sessionId, auth.expiresAt);
    return true;
  }

  async subscribe(
    ctx: WsContext,
    id: string,
    payload: SubscribePayload,
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const { limits, metrics } = this.args;
    const state = ctx.extra.state!;
    // The slot is taken before anything is awaited, so a burst of subscribes cannot slip
    // past the cap; a refused operation gives it back (onError releases it).
    const max = this.args.config.limits.wsMaxSubscriptions;
    if (state.operations.size >= max) {
      return [new GraphQLError(`At most ${max} operations may be open on one connection.`)];
    }
    state.operations.set(id, false);
    // Every operation re-checks the token's expiry and its session (signed out on any
    // instance): the socket is closed the moment either no longer holds.
    if (state.viewer && !(await this.sockets.stillSignedIn(state))) {
      this.sockets.unauthorized(ctx.extra.socket);
      return [invalidToken()];
    }
    // As over HTTP: a document no longer than the token limit cannot exceed it.
    const tooMany =
      payload.query.length > this.args.config.limits.maxTokens ? limits.checkTokens(payload.query) : null;
    if (tooMany) return [tooMany];
    const parsed = this.documents.get(payload.query);
    if ('errors' in parsed) return parsed.errors;
    const op = getOperationAST(parsed.document, payload.operationName);
    if (!op) return [new GraphQLError('Unable to identify the operation to run.')];
    const isSubscription = op.operation === 'subscription';
    state.operations.set(id, isSubscription);
    if (isSubscription) metrics.openSubscriptions.inc();
    const args: ExecutionArgs = {
      schema: this.args.schema,
      document: parsed.document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      // A subscription's own context runs its source stream (who may receive what); each
      // shared execution of an event gets a fresh one (FanOut).
      contextValue: this.context(state.viewer, state.ip),
    };
    if (isSubscription) {
      this.fanOut.register(args, {
        socket: ctx.extra.socket,
        id,
        viewer: state.viewer,
        ip: state.ip,
        key: sharingKey({
          documentKey: parsed.key,
          document: parsed.document,
          operationName: payload.operationName,
          variables: payload.variables,
          viewer: state.viewer,
        }),
      });
    }
    return args;
  }

  /** Errors as clients see them (masked); the unexpected ones logged. */
  result(result: ExecutionResult): ExecutionResult {
    if (!result.errors?.length) return result;
    for (const e of result.errors) {
      if (!isClientError(e))
        this.args.services.log.error(
          { err: e.originalError ?? e, path: e.path },
          'websocket operation error',
        );
    }
    return { ...result, errors: result.errors.map((e) => this.mask(e)) as never };
  }

  mask(e: GraphQLError) {
    return maskError(e.toJSON(), e, this.args.config.env === 'production');
  }

  /** An operation ended: its slot (and its subscription count) is given back. */
  release(state: SocketState | undefined, id: string): void {
    const isSubscription = state?.operations.get(id);
    if (isSubscription === undefined) return;
    state!.operations.delete(id);
    if (isSubscription) this.args.metrics.openSubscriptions.dec();
  }
}

/**
 * graphql-ws on the HTTP server's port and path. graphql-ws bypasses Apollo's plugins, so
 * every protection is applied here again: message size (64 KiB), the `connection_init`
 * deadline, the Origin allow-list, a cap on subscriptions per socket, and the same token,
 * depth, alias, directive and cost limits before anything executes. A subscription event is
 * executed and serialised once per (document, operationName, variables, visibility) and the
 * same message body sent to every matching socket (ws-fanout.ts); graphql-ws's protocol runs
 * on our own thin `ws` glue (ws-transport.ts) instead of `useServer`.
 */
export function attachWebSocket(args: WebSocketArgs) {
  const { config, metrics } = args;
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
  const gql = new GraphQLOverWebSocket(args);
  const handle = serveGraphQLOverWs<Record<string, unknown> | undefined, Extra>({
    wss,
    log: args.services.log,
    production: config.env === 'production',
    describe: (socket, request) => ({ socket, ip: clientAddress(request, config.trustProxyHops) }),
    options: {
      schema: args.schema,
      connectionInitWaitTimeout: config.limits.wsConnectionInitTimeoutMs,
      onConnect: (ctx) => gql.connect(ctx),
      onSubscribe: (ctx, id, payload) => gql.subscribe(ctx, id, payload),
      // Subscriptions: their own source stream, each event's payload shared (FanOut), which
      // writes their `next` messages; queries and mutations reach onNext as before.
      subscribe: (execArgs) => gql.fanOut.subscribe(execArgs),
      onError: (ctx, id, _payload, errors) => {
        gql.release(ctx.extra.state, id);
        return errors.map((e) => gql.mask(e)) as never;
      },
      onNext: (_ctx, _id, _payload, _args, result) => gql.result(result as ExecutionResult) as never,
      onComplete: (ctx, id) => gql.release(ctx.extra.state, id),
    },
  });

  return {
    wss,
    /** Closes every socket with 1001 (going away) and stops accepting new ones. */
    async dispose(): Promise<void> {
      gql.sockets.close();
      await handle.dispose();
    },
  };
}
