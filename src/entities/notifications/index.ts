export * from './notification.entity';
import { Notification } from './notification.entity';

/** This feature's entities, for the ORM's discovery. */
export default [Notification];
