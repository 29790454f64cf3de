import type { RequestContext } from '../../server/context';
import { Notification } from '../../entities';
import type { NotificationKind } from '../../entities/notifications/notification.entity';
import type { Tx } from '../../db/transactions';
import type { Services } from '..';
import { DomainError, UserErrorCode, unauthenticated } from '../../lib/errors';
import { localId, toGlobalId } from '../../lib/global-id';
import { EventType, type NewEvent } from '../../subscriptions/common/topics';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../schema/common/connection';
import { GraphQLError } from 'graphql';

export const NOTIFICATION_TYPE = 'Notification';

/** What a subscriber receives and what the list shows: JSON-safe. */
export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown> | null;
  readAt: Date | null;
  createdAt: Date;
}

export const notificationView = (n: Notification): NotificationView => ({
  id: n.id,
  kind: n.kind,
  title: n.title,
  body: n.body,
  data: n.data,
  readAt: n.readAt,
  createdAt: n.createdAt,
});

export class NotificationService {
  constructor(private readonly s: Services) {}

  /** Stores a notification and announces it live, in the caller's transaction. */
  notify(
    tx: Tx,
    userId: string,
    kind: NotificationKind,
    title: string,
    body: string,
    data?: Record<string, unknown>,
  ): Notification {
    const n = tx.em.create(Notification, {
      userId,
      kind,
      title,
      body,
      data: data ?? null,
      createdAt: this.s.clock.now(),
    });
    tx.em.persist(n);
    tx.emit(this.event(n));
    return n;
  }

  /** The row and its live event, for callers that write with one multi-insert statement. */
  build(userId: string, kind: NotificationKind, title: string, body: string, data?: Record<string, unknown>) {
    const n = Object.assign(new Notification(), {
      userId,
      kind,
      title,
      body,
      data: data ?? null,
      createdAt: this.s.clock.now(),
    });
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

  /** The caller's notifications, newest first. */
  async list(
    ctx: RequestContext,
    userId: string,
    args: { first?: number | null; after?: string | null; unreadOnly?: boolean | null },
  ): Promise<Connection<NotificationView>> {
    const size = pageSize(args.first);
    const where: Record<string, unknown> = { userId };
    if (args.unreadOnly) where.readAt = null;
    const countWhere = { ...where };
    if (args.after != null) {
      const id = decodeCursor(args.after);
      if (!id)
        throw new GraphQLError('`after` is not a valid cursor.', { extensions: { code: 'BAD_USER_INPUT' } });
      where.id = { $lt: id };
    }
    const [rows, total] = await Promise.all([
      ctx.em.find(Notification, where, { orderBy: { id: 'desc' }, limit: size + 1 }),
      ctx.em.count(Notification, countWhere),
    ]);
    return toConnection(rows, size, total, args.after != null, notificationView);
  }

  /** Marks the caller's notifications read. An id that is not the caller's changes nothing and is reported. */
  async markRead(ctx: RequestContext, globalIds: string[]): Promise<NotificationView[]> {
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
    await this.s.tx.run(ctx.em, async (tx) => {
      const now = this.s.clock.now();
      const unread = rows.filter((r) => !r.readAt).map((r) => r.id);
      if (!unread.length) return;
      await tx.em.nativeUpdate(Notification, { id: { $in: unread }, readAt: null }, { readAt: now });
      for (const r of rows) r.readAt ??= now;
      this.s.audit.record(tx, ctx, {
        action: 'notification.mark_read',
        objectId: viewer.userId,
        changes: { ids: unread },
      });
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return [...new Set(ids as string[])].map((id) => notificationView(byId.get(id)!));
  }
}
