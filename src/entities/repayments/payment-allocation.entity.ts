import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

/** Where one payment went: one row per item it paid. */
@Entity({ tableName: 'payment_allocation' })
@Index({ properties: ['paymentId'] })
export class PaymentAllocation {
  [OptionalProps]?: 'planId' | 'installmentNumber' | 'transactionId';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  paymentId!: string;

  @Property({ type: 'uuid', nullable: true })
  planId: string | null = null;

  @Property({ type: 'integer', nullable: true })
  installmentNumber: number | null = null;

  @Property({ type: 'uuid', nullable: true })
  transactionId: string | null = null;

  @Property({ type: 'bigint', runtimeType: 'number' })
  fee!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  interest!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  principal!: number;
}
