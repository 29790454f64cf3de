import { Check, Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum TransactionStatus {
  APPROVED = 'APPROVED',
  DECLINED = 'DECLINED',
  REFUNDED = 'REFUNDED',
}

export enum MerchantCategory {
  TRAVEL = 'TRAVEL',
  DINING = 'DINING',
  GROCERY = 'GROCERY',
  SHOPPING = 'SHOPPING',
  OTHER = 'OTHER',
}

/** What put the amount on the account: a card purchase, or points taken back after a refund. */
export enum TransactionKind {
  PURCHASE = 'PURCHASE',
  REWARDS_CLAWBACK = 'REWARDS_CLAWBACK',
}

export enum DeclineReason {
  INSUFFICIENT_CREDIT = 'INSUFFICIENT_CREDIT',
  CARD_FROZEN = 'CARD_FROZEN',
  CARD_CLOSED = 'CARD_CLOSED',
  CARD_EXPIRED = 'CARD_EXPIRED',
  ACCOUNT_NOT_ACTIVE = 'ACCOUNT_NOT_ACTIVE',
}

/**
 * A card purchase, approved or declined, or a charge for reward points that a refund had to
 * take back after they were redeemed. An approved one is an INTEREST_FREE_45 plan of one
 * installment (due in full 45 days later) until it is paid or converted.
 */
@Entity({ tableName: 'card_transaction' })
@Index({ properties: ['accountId', 'id'] })
@Index({ properties: ['cardId', 'id'] })
/** Purchases in a period (active users in the portfolio metrics). */
@Index({ properties: ['createdAt'] })
@Check({
  name: 'card_transaction_amounts',
  expression: 'amount > 0 and refunded >= 0 and refunded <= amount',
})
export class CardTransaction {
  [OptionalProps]?:
    | 'refunded'
    | 'declineReason'
    | 'rewardPoints'
    | 'rewardPointsReversed'
    | 'dueDate'
    | 'planId'
    | 'createdAt'
    | 'kind';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'text' })
  kind: string = TransactionKind.PURCHASE;

  @Property({ type: 'uuid' })
  cardId!: string;

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;

  @Property({ type: 'bigint', runtimeType: 'number' })
  refunded: number = 0;

  @Property({ type: 'text' })
  status!: string;

  @Property({ type: 'text' })
  merchantName!: string;

  @Property({ type: 'text' })
  category!: string;

  @Property({ type: 'text', nullable: true })
  declineReason: string | null = null;

  /** Points earned when approved. */
  @Property({ type: 'integer' })
  rewardPoints: number = 0;

  /** Points taken back by refunds so far. */
  @Property({ type: 'integer' })
  rewardPointsReversed: number = 0;

  /** The 45-day due date of an approved purchase. */
  @Property({ type: 'date', columnType: 'date', nullable: true })
  dueDate: string | null = null;

  /** Set once converted into an installment plan. */
  @Property({ type: 'uuid', nullable: true })
  planId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
