import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../lib/ids';

/** A repayment into an account through the payment gateway (made by `makePayment`). */
@Entity({ tableName: 'payment' })
@Index({ properties: ['accountId', 'id'] })
export class Payment {
  [OptionalProps]?: 'createdAt' | 'failureReason' | 'prepayment';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text', nullable: true })
  failureReason: string | null = null;

  @Property({ type: 'bigint', runtimeType: 'number' })
  prepayment: number = 0;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
