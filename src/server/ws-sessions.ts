import type { WebSocket } from 'ws';
import type { Logger } from '../lib/logger';
import type { Viewer } from '../services/common/request-scope';
import type { SessionService } from '../services/identity/session.service';

/** Close code of a socket that outlived its access token or session (SPEC section 2). */
export const CLOSE_UNAUTHORIZED = 4401;
/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a socket knows of its caller after `connection_init`. */
export interface SocketState {
  viewer: Viewer | null;
  /** When the socket's access token expires (epoch ms); null for a signed-out socket. */
  expiresAt: number | null;
  ip: string;
  /** Open operations by id: whether each is a subscription. */
  operations: Map<string, boolean>;
}

/**
 * Sockets tied to their access token and session: a socket is closed with 4401 when its
 * token expires or its session signs out on any instance (heard on the bus; after a bus
 * outage, the database is asked about the sessions of the open sockets).
 */
export class SocketSessions {
  private readonly bySession = new Map<string, Set<WebSocket>>();
  private readonly stop: (() => void)[];

  constructor(
    private readonly sessions: SessionService,
    log: Logger,
  ) {
    this.stop = [
      sessions.onEnded((sessionId) => this.closeSession(sessionId)),
      // Sign-outs announced while the bus was away were missed: ask the database about the rest.
      sessions.onResync(() => {
        sessions
          .endedAmong([...this.bySession.keys()])
          .then((ended) => ended.forEach((id) => this.closeSession(id)))
          .catch((err: unknown) => log.warn({ err }, 'could not recheck WebSocket sessions'));
      }),
    ];
  }

  /** Closes the socket with 4401 (unless already closing). */
  unauthorized(socket: WebSocket): void {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
      socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized: the access token expired or its session ended');
    }
  }

  /** Whether the socket's token is unexpired and its session still signed in. */
  async stillSignedIn(state: SocketState): Promise<boolean> {
    if (state.expiresAt !== null && Date.now() >= state.expiresAt) return false;
    return this.sessions.isLive(state.viewer!.sessionId);
  }

  /** Ties a socket to its token: closed at the token's expiry and when its session ends. */
  bind(socket: WebSocket, sessionId: string, expiresAt: number): void {
    if (socket.readyState !== socket.OPEN) return; // gone while its token was checked
    const timer = setTimeout(
      () => this.unauthorized(socket),
      Math.min(Math.max(expiresAt - Date.now(), 0), MAX_TIMER_MS),
    );
    timer.unref();
    let sockets = this.bySession.get(sessionId);
    if (!sockets) this.bySession.set(sessionId, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', () => {
      clearTimeout(timer);
      const set = this.bySession.get(sessionId);
      set?.delete(socket);
      if (set && !set.size) this.bySession.delete(sessionId);
    });
  }

  /** Stops listening for sign-outs. */
  close(): void {
    for (const stop of this.stop) stop();
  }

  private closeSession(sessionId: string): void {
    for (const socket of this.bySession.get(sessionId) ?? []) this.unauthorized(socket);
  }
}
