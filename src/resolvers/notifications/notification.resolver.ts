import { Arg, Authorized, Ctx, Mutation, Resolver, Root, Subscription, UseMiddleware } from 'type-graphql';
import type { RequestScope } from '../../services/common/request-scope';
import { PayloadErrors } from '../../schema/common/payload';
import {
  MarkNotificationsReadInput,
  MarkNotificationsReadPayload,
  NotificationEvent,
  notificationType,
} from '../../schema/notifications/notification.types';
import type { NotificationView } from '../../services/notifications/notification.service';
import { EventType, type LiveEvent } from '../../subscriptions/common/topics';
import { liveSubscribe } from '../common/live-subscribe';
import { NotificationService } from '../../services/notifications/notification.service';

@Resolver()
export class NotificationResolver {
  constructor(private readonly notifications: NotificationService) {}

  @Authorized()
  @Mutation(() => MarkNotificationsReadPayload, {
    description: "Mark some of the caller's notifications read.",
  })
  @UseMiddleware(PayloadErrors)
  async markNotificationsRead(
    @Arg('input', () => MarkNotificationsReadInput) input: MarkNotificationsReadInput,
    @Ctx() ctx: RequestScope,
  ): Promise<Partial<MarkNotificationsReadPayload>> {
    const rows = await this.notifications.markRead(ctx, input.ids);
    return { notifications: rows.map(notificationType) };
  }

  @Subscription(() => NotificationEvent, {
    description:
      "The caller's new notifications, live. Pass `since` (a cursor) to first receive what was missed.",
    subscribe: liveSubscribe(EventType.notificationReceived, null),
  })
  notificationReceived(
    @Root() event: LiveEvent,
    @Arg('since', () => String, { nullable: true }) _since?: string,
  ): NotificationEvent {
    const p = event.payload as unknown as NotificationView;
    return { cursor: event.cursor, notification: notificationType({ ...p, readAt: null }) };
  }
}
