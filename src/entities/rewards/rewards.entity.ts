import { Check, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

/** A user's points. The database refuses a negative balance. */
@Entity({ tableName: 'reward_balance' })
@Check({ name: 'reward_balance_not_negative', expression: 'balance >= 0' })
export class RewardBalance {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'integer' })
  balance: number = 0;

  @Property({ type: 'integer' })
  lifetimeEarned: number = 0;
}

export enum RewardReason {
  PURCHASE = 'PURCHASE',
  REFUND = 'REFUND',
  ON_TIME_INSTALLMENT = 'ON_TIME_INSTALLMENT',
  REDEMPTION = 'REDEMPTION',
}

/** One change of a points balance, with why. */
@Entity({ tableName: 'reward_entry' })
@Index({ properties: ['userId', 'id'] })
export class RewardEntry {
  [OptionalProps]?: 'createdAt' | 'refId';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'integer' })
  points!: number;

  @Property({ type: 'text' })
  reason!: string;

  @Property({ type: 'uuid', nullable: true })
  refId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

export enum RedemptionKind {
  STATEMENT_CREDIT = 'STATEMENT_CREDIT',
  TRAVEL = 'TRAVEL',
}

@Entity({ tableName: 'reward_redemption' })
@Index({ properties: ['userId', 'id'] })
export class RewardRedemption {
  [OptionalProps]?: 'createdAt' | 'paymentId' | 'pointsClawedBack';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'integer' })
  points!: number;

  /** Cents credited to the account. */
  @Property({ type: 'bigint', runtimeType: 'number' })
  value!: number;

  /** The payment it was applied as (source REWARDS). */
  @Property({ type: 'uuid', nullable: true })
  paymentId: string | null = null;

  /** Of `points`, how many later refunds charged back to the account (at this redemption's value). */
  @Property({ type: 'integer' })
  pointsClawedBack: number = 0;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
