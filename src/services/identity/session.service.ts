import type { Knex } from '@mikro-orm/postgresql';
import type { Logger } from '../../lib/logger';
import type { EventBus } from '../../subscriptions/common/pubsub';

/** Bus channel on which every instance hears that a session ended (message: its id). */
const REVOKED_CHANNEL = 'session.revoked';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REMEMBERED = 100_000;

/**
 * Whether a session (a refresh-token family, the `sid` of its access tokens) is still
 * signed in, and news of sessions that end.
 *
 * The database is the authority: a session is live while one of its refresh tokens is not
 * revoked (sign-out and reuse detection revoke them all). Every request presenting a token
 * asks it with one indexed lookup, so a sign-out holds at once on every instance sharing the
 * database, with or without Redis, and nothing depends on a message arriving. An ended
 * session never comes back, so that answer is remembered for as long as any of its access
 * tokens could still be unexpired: replaying a signed-out token costs no query.
 *
 * Sign-outs are also announced on the event bus, so each instance closes the WebSockets of
 * that session at once; a socket whose announcement was lost (Redis away) is still refused
 * on its next operation, rechecked when the bus reconnects, and closed at its token's expiry.
 */
export class SessionService {
  /** Ended sessions, with when to forget them (epoch ms). Insertion order is age order. */
  private readonly ended = new Map<string, number>();
  private readonly endedListeners = new Set<(sessionId: string) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly knex: Knex,
    private readonly bus: EventBus,
    private readonly log: Logger,
    /** How long an access token lives: how long an ended session must be remembered. */
    private readonly accessTokenTtlMs: number,
  ) {
    bus.onResync(() => {
      for (const l of this.resyncListeners) l();
    });
  }

  /** Starts hearing other instances' sign-outs; waits at most `waitMs` for the subscription. */
  async start(waitMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.listen(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.endedListeners.clear();
    this.resyncListeners.clear();
  }

  /** True while the session is signed in. */
  async isLive(sessionId: string): Promise<boolean> {
    if (!UUID.test(sessionId)) return false;
    if (this.isKnownEnded(sessionId)) return false;
    const res = (await this.knex.raw(
      'select 1 from refresh_token where family_id = ? and revoked_at is null limit 1',
      [sessionId],
    )) as { rows: unknown[] };
    if (res.rows.length) return true;
    this.remember(sessionId);
    return false;
  }

  /** Which of these sessions have ended (one query), e.g. to recheck open sockets. */
  async endedAmong(sessionIds: string[]): Promise<string[]> {
    const ids = sessionIds.filter((id) => UUID.test(id));
    if (!ids.length) return [];
    const rows = (await this.knex('refresh_token')
      .distinct('family_id')
      .whereIn('family_id', ids)
      .whereNull('revoked_at')) as { family_id: string }[];
    const live = new Set(rows.map((r) => r.family_id));
    const ended = ids.filter((id) => !live.has(id));
    for (const id of ended) this.remember(id);
    return ended;
  }

  /**
   * Announces sessions whose refresh tokens were just revoked (call after the commit): this
   * instance and every other one hear it and close that session's sockets.
   */
  announceEnded(sessionIds: string[]): void {
    for (const id of sessionIds) {
      this.markEnded(id);
      this.bus
        .publish(REVOKED_CHANNEL, id)
        .catch((err: unknown) =>
          this.log.warn({ err: (err as Error).message }, 'could not announce a sign-out to other instances'),
        );
    }
  }

  /** Called with the id of every session that ends, on any instance. */
  onEnded(listener: (sessionId: string) => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  /** Called when the bus reconnected: announcements may have been missed meanwhile. */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  private markEnded(sessionId: string): void {
    if (!UUID.test(sessionId)) return;
    this.remember(sessionId);
    // Always tell the listeners (closing a socket twice is harmless): the session may be known
    // ended from a lookup while a socket of it is still open here.
    for (const l of this.endedListeners) {
      try {
        l(sessionId);
      } catch (err) {
        this.log.error({ err }, 'session-ended listener failed');
      }
    }
  }

  private isKnownEnded(sessionId: string): boolean {
    const until = this.ended.get(sessionId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.ended.delete(sessionId);
    return false;
  }

  private remember(sessionId: string): void {
    // A minute beyond the token lifetime covers clock skew between the signer and us.
    this.ended.delete(sessionId);
    this.ended.set(sessionId, Date.now() + this.accessTokenTtlMs + 60_000);
    if (this.ended.size <= MAX_REMEMBERED) return;
    const now = Date.now();
    for (const [id, until] of this.ended) {
      if (this.ended.size <= MAX_REMEMBERED && until > now) break;
      this.ended.delete(id); // the oldest first; forgetting only costs a query later
    }
  }

  private async listen(): Promise<void> {
    if (this.closed || this.unsubscribe) return;
    try {
      const unsubscribe = await this.bus.subscribe(REVOKED_CHANNEL, (message) => this.markEnded(message));
      if (this.closed) unsubscribe();
      else this.unsubscribe = unsubscribe;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot hear sign-outs yet; retrying');
      this.retry = setTimeout(() => void this.listen(), 2000);
      this.retry.unref();
    }
  }
}
