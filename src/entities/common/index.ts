export * from './audit-entry.entity';
export * from './idempotency-key.entity';
export * from './outbox-event.entity';
export * from './outbox-relay-state.entity';
import { AuditEntry } from './audit-entry.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { OutboxEvent } from './outbox-event.entity';
import { OutboxRelayState } from './outbox-relay-state.entity';

/** This feature's entities, for the ORM's discovery. */
export default [OutboxEvent, OutboxRelayState, IdempotencyKey, AuditEntry];
