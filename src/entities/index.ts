import { AuditEntry } from './audit-entry.entity';
import { CreditApplication } from './credit-application.entity';
import { CreditDecision } from './credit-decision.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { Notification } from './notification.entity';
import { OutboxEvent } from './outbox-event.entity';
import { RefreshToken } from './refresh-token.entity';
import { User } from './user.entity';

/** Every entity, for the ORM's discovery. */
export const entities = [
  User,
  RefreshToken,
  Notification,
  OutboxEvent,
  IdempotencyKey,
  AuditEntry,
  CreditApplication,
  CreditDecision,
];
export {
  AuditEntry,
  CreditApplication,
  CreditDecision,
  IdempotencyKey,
  Notification,
  OutboxEvent,
  RefreshToken,
  User,
};
