import { Field, ID, ObjectType } from 'type-graphql';
import type { AuditEntryView } from '../../services/operations/audit-log.service';
import { ConnectionType } from '../common/connection';
import { DateTimeScalar, JSONScalar } from '../common/scalars';

@ObjectType('AuditEntry', {
  description:
    'One state-changing action (SPEC section 11), as it was recorded in the transaction of the change. Entries are append-only: the database refuses to change or remove one.',
})
export class AuditEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar, { description: 'When it happened, on the sandbox clock.' })
  at!: Date;

  @Field(() => String, {
    description:
      'What was done, as `object.verb` (for example `account.payment`, `card.frozen`, `user.sign_in`).',
  })
  action!: string;

  /** For the `actor` field resolver. */
  actorLocalId!: string | null;

  @Field(() => ID, {
    description:
      'The object acted on: its global id (as the rest of the API shows it) when it has a type in the API, else its stored id (sessions, the sandbox clock).',
  })
  objectId!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The request that did it (the `x-request-id` of its HTTP response); `daily-job:<day>` for the daily job; null for other background work.',
  })
  requestId!: string | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      'What changed: each changed field as `[before, after]`, or the values a new object was created with. Never secrets, card numbers, passwords, tokens, or a person’s email or name.',
  })
  changes!: Record<string, unknown> | null;
}

export const auditEntryType = (e: AuditEntryView): AuditEntryType =>
  Object.assign(new AuditEntryType(), {
    id: e.id,
    at: e.at,
    action: e.action,
    actorLocalId: e.actorId,
    objectId: e.objectId,
    requestId: e.requestId,
    changes: e.changes,
  });

export const AuditEntryConnection = ConnectionType(AuditEntryType, 'AuditEntry');
