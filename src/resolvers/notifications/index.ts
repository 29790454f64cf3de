import { notificationType } from '../../schema/notifications/notification.types';
import { NOTIFICATION_TYPE, NotificationService } from '../../services/notifications/notification.service';
import { nodeOf, type NodeSource } from '../common/node.resolver';
import { NotificationResolver } from './notification.resolver';

export const resolvers = [NotificationResolver];

export const nodes: NodeSource = (services) => {
  const notifications = services.get(NotificationService);
  return { [NOTIFICATION_TYPE]: nodeOf((ctx, id) => notifications.get(ctx, id), notificationType) };
};
