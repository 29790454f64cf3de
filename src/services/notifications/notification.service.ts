import type { RequestScope } from '../common/request-scope';
import { Notification } from '../../entities';
import type { NotificationKind } from '../../entities/notifications/notification.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode, forbidden, unauthenticated } from '../../lib/errors';
import { localId, toGlobalId } from '../../lib/global-id';
import { EventType, type NewEvent } from '../../subscriptions/common/topics';
import { findPage, mapConnection, type Connection } from '../common/pagination';
import type { Clock } from '../../lib/clock';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';

export const NOTIFICATION_TYPE = 'Notification';

/** What a subscriber receives and what the list shows: JSON-safe (ISO strings). */
export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown> | null;
  readAt: string | null;
  createdAt: string;
}

export const notificationView = (n: Notification): NotificationView => ({
  id: n.id,
  kind: n.kind,
  title: n.title,
  body: n.body,
  data: n.data,
  readAt: n.readAt ? n.readAt.toISOString() : null,
  createdAt: n.createdAt.toISOString(),
});

export class NotificationService {
  constructor(
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
  ) {}

  /** Stores a notification and announces it live, in the caller's transaction. */
  notify(
    tx: Tx,
    userId: string,
    kind: NotificationKind,
    title: string,
    body: string,
    data?: Record<string, unknown>,
  ): Notification {
    const n = tx.em.create(Notification, this.fields(userId, kind, title, body, data));
    tx.em.persist(n);
    tx.emit(this.event(n));
    return n;
  }

  /** The row and its live event, for callers that write with one multi-insert statement. */
  build(userId: string, kind: NotificationKind, title: string, body: string, data?: Record<string, unknown>) {
    const n = Object.assign(new Notification(), this.fields(userId, kind, title, body, data));
    const row = {
      id: n.id,
      user_id: userId,
      kind,
      title,
      body,
      data: n.data,
      read_at: null,
      created_at: n.createdAt,
    };
    return { row, event: this.event(n) };
  }

  /** A new notification's fields, created now. */
  private fields(
    userId: string,
    kind: NotificationKind,
    title: string,
    body: string,
    data: Record<string, unknown> | undefined,
  ) {
    return { userId, kind, title, body, data: data ?? null, createdAt: this.clock.now() };
  }

  private event(n: Notification): NewEvent {
    return {
      type: EventType.notificationReceived,
      audience: [n.userId],
      objectId: toGlobalId(NOTIFICATION_TYPE, n.id),
      payload: {
        id: n.id,
        kind: n.kind,
        title: n.title,
        body: n.body,
        data: n.data,
        createdAt: n.createdAt.toISOString(),
      },
    };
  }

  /** One notification, for its recipient or an admin; null when absent or someone else's. */
  async get(ctx: RequestScope, id: string): Promise<NotificationView | null> {
    const n = await ctx.em.findOne(Notification, { id });
    if (!n || (n.userId !== ctx.viewer?.userId && !ctx.viewer?.isAdmin)) return null;
    return notificationView(n);
  }

  /** A user's notifications, newest first (unread only on request), for themselves or an admin. */
  async list(
    ctx: RequestScope,
    userId: string,
    args: { first?: number | null; after?: string | null; unreadOnly?: boolean | null },
  ): Promise<Connection<NotificationView>> {
    if (ctx.viewer?.userId !== userId && !ctx.viewer?.isAdmin) throw forbidden();
    const where = args.unreadOnly ? { userId, readAt: null } : { userId };
    return mapConnection(await findPage(ctx.em, Notification, where, args), notificationView);
  }

  /** Marks the caller's notifications read. An id that is not the caller's changes nothing and is reported. */
  async markRead(ctx: RequestScope, globalIds: string[]): Promise<NotificationView[]> {
    const viewer = ctx.viewer;
    if (!viewer) throw unauthenticated();
    const ids = globalIds.map((g) => localId(g, NOTIFICATION_TYPE));
    const rows = await ctx.em.find(Notification, {
      id: { $in: ids.filter((x): x is string => !!x) },
      userId: viewer.userId,
    });
    const found = new Set(rows.map((r) => r.id));
    const missing = ids.map((id, i) => (id && found.has(id) ? -1 : i)).filter((i) => i >= 0);
    if (missing.length) {
      throw new DomainError(
        missing.map((i) => ({
          field: ['input', 'ids', String(i)],
          message: 'No such notification.',
          code: UserErrorCode.NOT_FOUND,
        })),
      );
    }
    await this.tx.run(ctx.em, async (tx) => {
      const now = this.clock.now();
      const unread = rows.filter((r) => !r.readAt).map((r) => r.id);
      if (!unread.length) return;
      await tx.em.nativeUpdate(Notification, { id: { $in: unread }, readAt: null }, { readAt: now });
      for (const r of rows) r.readAt ??= now;
      this.audit.record(tx, ctx, {
        action: 'notification.mark_read',
        objectId: viewer.userId,
        changes: { ids: unread },
      });
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return [...new Set(ids as string[])].map((id) => notificationView(byId.get(id)!));
  }
}
