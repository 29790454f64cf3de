import { GraphQLError } from 'graphql';
import { Arg, Authorized, Ctx, Mutation, Resolver, Root, Subscription, UseMiddleware } from 'type-graphql';
import type { RequestContext } from '../server/context';
import { PayloadErrors } from '../schema/common/payload';
import {
  MarkNotificationsReadInput,
  MarkNotificationsReadPayload,
  NotificationEvent,
  notificationType,
} from '../schema/notification/notification.types';
import type { NotificationView } from '../services/notification.service';
import { EventType, type LiveEvent } from '../subscriptions/topics';
import { unauthenticated } from '../lib/errors';

/** `since` must be a cursor we handed out: a decimal number. */
export function parseSince(since: string | null | undefined): string | null {
  if (since == null) return null;
  if (!/^\d{1,19}$/.test(since)) {
    throw new GraphQLError('`since` must be a cursor received from this subscription.', {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return since;
}

@Resolver()
export class NotificationResolver {
  @Authorized()
  @Mutation(() => MarkNotificationsReadPayload, {
    description: "Mark some of the caller's notifications read.",
  })
  @UseMiddleware(PayloadErrors)
  async markNotificationsRead(
    @Arg('input', () => MarkNotificationsReadInput) input: MarkNotificationsReadInput,
    @Ctx() ctx: RequestContext,
  ): Promise<Partial<MarkNotificationsReadPayload>> {
    const rows = await ctx.services.notifications.markRead(ctx, input.ids);
    return { notifications: rows.map(notificationType) };
  }

  @Subscription(() => NotificationEvent, {
    description:
      "The caller's new notifications, live. Pass `since` (a cursor) to first receive what was missed.",
    subscribe: async ({ args, context }) => {
      const ctx = context as RequestContext;
      if (!ctx.viewer) throw unauthenticated();
      return ctx.services.live.stream({
        type: EventType.notificationReceived,
        viewer: ctx.viewer,
        since: parseSince(args.since as string | null | undefined),
        scope: 'mine',
      });
    },
  })
  notificationReceived(
    @Root() event: LiveEvent,
    @Arg('since', () => String, { nullable: true }) _since?: string,
  ): NotificationEvent {
    const p = event.payload as unknown as NotificationView;
    return { cursor: event.cursor, notification: notificationType({ ...p, readAt: null }) };
  }
}
