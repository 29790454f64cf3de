import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The simulated payment provider's own memory of the requests it served, by the caller's
 * reference (its idempotency key): asking again with the same reference answers the same and
 * moves money once. A real provider keeps this on its side.
 */
@Entity({ tableName: 'gateway_operation' })
export class GatewayOperation {
  [OptionalProps]?: 'reason' | 'createdAt';

  @PrimaryKey({ type: 'text' })
  reference!: string;

  /** CHARGE or PAYOUT. */
  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'boolean' })
  ok!: boolean;

  @Property({ type: 'text', nullable: true })
  reason: string | null = null;

  /** The provider's own id of the operation. */
  @Property({ type: 'text' })
  providerReference!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
