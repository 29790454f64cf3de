import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

export enum NotificationKind {
  WELCOME = 'WELCOME',
  APPLICATION_APPROVED = 'APPLICATION_APPROVED',
  APPLICATION_DECLINED = 'APPLICATION_DECLINED',
  APPLICATION_REFERRED = 'APPLICATION_REFERRED',
  APPLICATION_CANCELLED = 'APPLICATION_CANCELLED',
  ACCOUNT_OPENED = 'ACCOUNT_OPENED',
  CARD_ISSUED = 'CARD_ISSUED',
  PURCHASE_APPROVED = 'PURCHASE_APPROVED',
  PURCHASE_DECLINED = 'PURCHASE_DECLINED',
  PURCHASE_REFUNDED = 'PURCHASE_REFUNDED',
  PLAN_CREATED = 'PLAN_CREATED',
  REWARDS_REDEEMED = 'REWARDS_REDEEMED',
  LOAN_DISBURSED = 'LOAN_DISBURSED',
  DISBURSEMENT_FAILED = 'DISBURSEMENT_FAILED',
  PAYMENT_RECEIVED = 'PAYMENT_RECEIVED',
  PAYMENT_FAILED = 'PAYMENT_FAILED',
  PAYMENT_DUE = 'PAYMENT_DUE',
  PAYMENT_LATE = 'PAYMENT_LATE',
  PURCHASE_CONVERTED = 'PURCHASE_CONVERTED',
  ACCOUNT_CHARGED_OFF = 'ACCOUNT_CHARGED_OFF',
  OFFER_EXPIRED = 'OFFER_EXPIRED',
  MONEY_RETURNED = 'MONEY_RETURNED',
  REWARDS_CLAWED_BACK = 'REWARDS_CLAWED_BACK',
  CASH_DEPOSITED = 'CASH_DEPOSITED',
  CASH_WITHDRAWN = 'CASH_WITHDRAWN',
  CASH_MOVEMENT_FAILED = 'CASH_MOVEMENT_FAILED',
  LOAN_FUNDED = 'LOAN_FUNDED',
  LISTING_EXPIRED = 'LISTING_EXPIRED',
  NOTES_PAID_OFF = 'NOTES_PAID_OFF',
  NOTES_CHARGED_OFF = 'NOTES_CHARGED_OFF',
  ACCOUNT_CLOSURE_REQUESTED = 'ACCOUNT_CLOSURE_REQUESTED',
  ACCOUNT_CLOSED = 'ACCOUNT_CLOSED',
}

@Entity({ tableName: 'notification' })
@Index({ properties: ['userId', 'id'] })
export class Notification {
  [OptionalProps]?: 'createdAt' | 'readAt' | 'data';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  /** A NotificationKind; text so later kinds need no migration of a check constraint. */
  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'text' })
  body!: string;

  /** Ids of what the notification is about, for deep links. */
  @Property({ type: 'jsonb', nullable: true })
  data: Record<string, unknown> | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  readAt: Date | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
