import { ArrayMaxSize } from 'class-validator';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { toGlobalId } from '../../lib/global-id';
import type { NotificationView } from '../../services/notifications/notification.service';
import { NOTIFICATION_TYPE } from '../../services/notifications/notification.service';
import { ConnectionType } from '../common/connection';
import { Node } from '../common/node';
import { DateTimeScalar } from '../common/scalars';
import { UserError } from '../common/user-error.type';

registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  description: 'What a notification is about.',
  valuesConfig: {
    WELCOME: { description: 'The account was created.' },
    APPLICATION_APPROVED: {
      description: 'An application was approved (automatically or after review); an offer awaits.',
    },
    APPLICATION_DECLINED: { description: 'An application was declined; the notification gives the reasons.' },
    APPLICATION_REFERRED: { description: 'An application went to manual review.' },
    APPLICATION_CANCELLED: { description: 'The applicant cancelled an application.' },
    ACCOUNT_OPENED: { description: 'A loan account opened from an accepted offer.' },
    CARD_ISSUED: { description: 'A credit line opened and its virtual card was issued.' },
    PURCHASE_APPROVED: { description: 'A card purchase was approved.' },
    PURCHASE_DECLINED: { description: 'A card purchase was declined.' },
    PURCHASE_REFUNDED: { description: 'A card purchase was refunded, in full or in part.' },
    PLAN_CREATED: { description: 'A purchase was split into monthly installments.' },
    REWARDS_REDEEMED: { description: 'Reward points were redeemed as account credit.' },
    LOAN_DISBURSED: { description: 'A loan or a cash draw was paid out; its schedule has started.' },
    DISBURSEMENT_FAILED: {
      description:
        'A loan, a cash draw (its credit is restored) or money being returned could not be paid out.',
    },
    PAYMENT_RECEIVED: { description: 'A repayment went through.' },
    PAYMENT_FAILED: { description: 'A repayment was declined by the payment provider.' },
    PAYMENT_DUE: { description: 'An installment is due in 3 days.' },
    PAYMENT_LATE: { description: 'An installment is 3 days late; a late fee was charged.' },
    PURCHASE_CONVERTED: { description: 'A purchase unpaid after 45 days became a 6-month plan.' },
    ACCOUNT_CHARGED_OFF: { description: 'The account was charged off at 120 days past due.' },
    OFFER_EXPIRED: { description: 'An offer lapsed after 30 days without being accepted.' },
    MONEY_RETURNED: {
      description:
        'Money already paid that a refund (or a payment settling after one) left with nothing to pay was sent back.',
    },
    REWARDS_CLAWED_BACK: {
      description:
        'A refund had to take back points already redeemed; their redeemed value was charged to the account.',
    },
    CASH_DEPOSITED: { description: "An investor's deposit arrived in their cash." },
    CASH_WITHDRAWN: { description: "An investor's withdrawal was paid out to their bank." },
    CASH_MOVEMENT_FAILED: {
      description:
        'A deposit or withdrawal was refused by the payment provider (a withdrawal goes back to cash).',
    },
    LOAN_FUNDED: {
      description: 'A marketplace listing was fully funded: to its borrower and to every investor in it.',
    },
    LISTING_EXPIRED: {
      description:
        'A listing expired unfunded: the borrower is told, and every investor has their commitment back in cash.',
    },
    NOTES_PAID_OFF: { description: 'A loan an investor holds notes in was paid off.' },
    NOTES_CHARGED_OFF: { description: 'A loan an investor holds notes in was charged off.' },
    ACCOUNT_CLOSURE_REQUESTED: {
      description:
        'The owner asked to close an account that still owes something: its card is frozen, and it closes once the balance is paid.',
    },
    ACCOUNT_CLOSED: {
      description:
        'An account was closed at its owner’s request (at once, or when its balance reached zero).',
    },
  },
});

@ObjectType(NOTIFICATION_TYPE, {
  implements: Node,
  description: 'A message to the user, stored and pushed live.',
})
export class NotificationType extends Node {
  @Field(() => NotificationKind)
  kind!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  body!: string;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: 'When the user marked it read; null while unread.',
  })
  readAt!: Date | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const notificationType = (n: NotificationView): NotificationType =>
  Object.assign(new NotificationType(), {
    id: toGlobalId(NOTIFICATION_TYPE, n.id),
    kind: n.kind,
    title: n.title,
    body: n.body,
    readAt: n.readAt ? new Date(n.readAt) : null,
    createdAt: new Date(n.createdAt),
  });

export const NotificationConnection = ConnectionType(NotificationType, 'Notification');

@InputType({ description: 'The notifications to mark read, at most 100.' })
export class MarkNotificationsReadInput {
  @Field(() => [ID])
  @ArrayMaxSize(100)
  ids!: string[];
}

@ObjectType({
  description: 'Result of `markNotificationsRead`: the notifications now marked read, or user errors.',
})
export class MarkNotificationsReadPayload {
  @Field(() => [NotificationType], { nullable: true })
  notifications?: NotificationType[] | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: 'A live notification, with the cursor to resume from.' })
export class NotificationEvent {
  @Field(() => String, { description: 'Pass the last one seen as `since` to receive what was missed.' })
  cursor!: string;

  @Field(() => NotificationType)
  notification!: NotificationType;
}
