import { AuditEntry } from './audit-entry.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Notification } from './notification.entity';
import { OutboxEvent } from './outbox-event.entity';
import { RefreshToken } from './refresh-token.entity';
import { User } from './user.entity';

/** Every entity, for the ORM's discovery. */
export const entities = [User, RefreshToken, Notification, OutboxEvent, IdempotencyKey, AuditEntry];
export { AuditEntry, IdempotencyKey, Notification, OutboxEvent, RefreshToken, User };
