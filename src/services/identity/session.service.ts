import type { Knex } from '@mikro-orm/postgresql';
import { types } from 'pg';
import { runPrepared } from '../../db/prepared';
import type { Role } from '../../entities/identity/user.entity';
import type { Logger } from '../../lib/logger';
import type { EventBus } from '../../subscriptions/common/pubsub';
import type { UserView } from './user-view';

/** Bus channel on which every instance hears that a session ended (message: its id). */
const REVOKED_CHANNEL = 'session.revoked';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REMEMBERED = 100_000;
/** timestamptz text as the ORM reads it (the ORM's connections return it unparsed). */
const parseTimestamptz = types.getTypeParser(types.builtins.TIMESTAMPTZ) as (text: string) => Date;

/** Whether the session is live: a row while one of its refresh tokens is not revoked. */
const LIVE = 'select 1 from refresh_token where family_id = ? and revoked_at is null limit 1';

/**
 * Whether the session is live, and the account its access token names (when live, one row,
 * with the account's columns null when it no longer exists or was deleted).
 */
const LIVE_WITH_ACCOUNT = `select u.id, u.email, u.name, u.roles, u.created_at
    from (select 1 from refresh_token where family_id = ? and revoked_at is null limit 1) live
    left join app_user u on u.id = ? and u.deleted_at is null`;

interface AccountRow {
  id: string | null;
  email: string;
  name: string;
  roles: Role[];
  created_at: string;
}

/**
 * Whether a session (a refresh-token family, the `sid` of its access tokens) is still
 * signed in, and news of sessions that end.
 *
 * The database is the authority: a session is live while one of its refresh tokens is not
 * revoked (sign-out and reuse detection revoke them all). Every request presenting a token
 * asks it with one indexed lookup (over HTTP the same statement reads the viewer's account),
 * so a sign-out holds at once on every instance sharing the database, with or without Redis,
 * and nothing depends on a message arriving. No instance remembers a session as live: that
 * memory could only be made to forget in time (before the sign-out answers, on every
 * instance, Redis up or not) by acknowledged invalidation under leases. An ended
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
    if ((await runPrepared(this.knex, LIVE, [sessionId])).length) return true;
    this.remember(sessionId);
    return false;
  }

  /**
   * `isLive`, answered together with the account the access token names, in the same single
   * statement: null when the session has ended, otherwise the account as a view (null when
   * the account no longer exists or was deleted). A request's session check thereby also
   * reads what `me` answers, so `me` costs no further statement.
   */
  async liveWithAccount(sessionId: string, userId: string): Promise<{ account: UserView | null } | null> {
    if (!UUID.test(sessionId) || !UUID.test(userId)) return null;
    if (this.isKnownEnded(sessionId)) return null;
    const [row] = await runPrepared<AccountRow>(this.knex, LIVE_WITH_ACCOUNT, [sessionId, userId]);
    if (!row) {
      this.remember(sessionId);
      return null;
    }
    if (row.id === null) return { account: null };
    return {
      account: {
        id: row.id,
        email: row.email,
        name: row.name,
        roles: row.roles,
        createdAt: parseTimestamptz(row.created_at).toISOString(),
      },
    };
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
