import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../lib/logger';

/**
 * graphql-ws's protocol (`makeServer`) on a `ws` server: what `graphql-ws/use/ws`'s
 * `useServer` does, with three differences:
 *
 * - The fan-out (ws-fanout.ts) writes subscription events to the socket itself, so it needs
 *   the socket in `extra`; the upgrade request is not kept past the connection (`extra`
 *   holds what `describe` took from it), which saves memory per idle socket.
 * - Keep-alive: one timer for all sockets, visiting one of `slots` groups per tick, so each
 *   socket is pinged every `keepAliveMs` and terminated when the previous ping got no pong
 *   (useServer: one interval and one pong timer per socket). The pings stay spread in time.
 * - Errors are logged with the app's logger, not console.error; close codes are the same
 *   (4500 Internal server error, the reason hidden in production).
 */
export function serveGraphQLOverWs<P extends Record<string, unknown> | undefined, E extends object>(o: {
  wss: WebSocketServer;
  options: ServerOptions<P, E>;
  /** The `extra` of a new socket (what the callbacks may read of it). */
  describe(socket: WebSocket, request: IncomingMessage): E;
  log: Logger;
  production: boolean;
  keepAliveMs?: number;
}): { dispose(): Promise<void> } {
  const { wss, log, production } = o;
  const server = makeServer<P, E>(o.options);
  wss.options.handleProtocols = handleProtocols;
  const internalError = (socket: WebSocket, err: unknown) =>
    socket.close(
      CloseCode.InternalServerError,
      production
        ? 'Internal server error'
        : (err instanceof Error ? err.message : String(err)).slice(0, 123) || 'Internal server error',
    );

  wss.once('error', (err) => {
    log.error({ err }, 'WebSocket server error');
    for (const client of wss.clients) internalError(client, err);
  });

  // Keep-alive: sockets spread over `slots` groups; each tick pings one group.
  const keepAliveMs = o.keepAliveMs ?? 12_000;
  const slots = 12;
  const groups = Array.from({ length: slots }, () => new Set<WebSocket>());
  const awaitingPong = new WeakSet<WebSocket>();
  let nextGroup = 0;
  let tick = 0;
  const timer =
    keepAliveMs > 0 && Number.isFinite(keepAliveMs)
      ? setInterval(() => {
          for (const socket of groups[tick++ % slots]!) {
            if (socket.readyState !== socket.OPEN) continue;
            if (awaitingPong.has(socket)) {
              socket.terminate();
              continue;
            }
            awaitingPong.add(socket);
            socket.ping();
          }
        }, keepAliveMs / slots)
      : null;
  timer?.unref();

  wss.on('connection', (socket, request) => {
    const group = groups[nextGroup++ % slots]!;
    group.add(socket);
    socket.on('pong', () => awaitingPong.delete(socket));
    socket.once('error', (err) => {
      log.warn({ err }, 'WebSocket socket error');
      internalError(socket, err);
    });
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', (data: Buffer) => {
            cb(String(data)).catch((err: unknown) => {
              log.error({ err }, 'WebSocket message handling failed');
              internalError(socket, err);
            });
          }),
      },
      o.describe(socket, request),
    );
    socket.once('close', (code, reason) => {
      group.delete(socket);
      closed(code, String(reason)).catch((err: unknown) =>
        log.error({ err }, 'WebSocket close handling failed'),
      );
    });
  });

  return {
    async dispose() {
      if (timer) clearInterval(timer);
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
