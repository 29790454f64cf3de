import { MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { AccountKind, AccountStatus } from '../../entities/accounts/credit-account.entity';
import { CardStatus } from '../../entities/accounts/card.entity';
import {
  DeclineReason,
  MerchantCategory,
  TransactionKind,
  TransactionStatus,
} from '../../entities/accounts/card-transaction.entity';
import { InstallmentStatus, PlanKind, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import type { AccountView, CardView, InstallmentView, PlanView } from '../../services/accounts/account-view';
import { toGlobalId } from '../../lib/global-id';
import { ACCOUNT_TYPE, CARD_TYPE } from '../../services/accounts/credit-account.service';
import { PLAN_TYPE } from '../../services/accounts/installment-plan.service';
import { TRANSACTION_TYPE, type TransactionView } from '../../services/accounts/transaction-view';
import { ConnectionType } from '../common/connection';
import { Money, money } from '../common/money.type';
import { Node } from '../common/node';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../common/scalars';
import { UserError } from '../common/user-error.type';
import { ApplicationType } from '../applications/application.types';

registerEnumType(AccountKind, {
  name: 'AccountKind',
  description: 'A revolving credit line, or an installment loan.',
});
registerEnumType(AccountStatus, {
  name: 'AccountStatus',
  description: 'Where a credit line or loan stands, from funding to payoff, charge-off or closing.',
  valuesConfig: {
    PENDING_FUNDING: { description: 'A marketplace loan whose listing is open.' },
    PENDING_DISBURSEMENT: { description: 'A platform loan waiting for `requestDisbursement`.' },
    ACTIVE: { description: 'Open and in use.' },
    PAID_OFF: { description: 'Everything repaid.' },
    CHARGED_OFF: { description: 'Written off at 120 days past due.' },
    CLOSED: { description: 'A closed credit line.' },
  },
});
registerEnumType(CardStatus, {
  name: 'CardStatus',
  description:
    'Whether a card can be used: ACTIVE, FROZEN (purchases declined until unfrozen) or CLOSED for good.',
});
registerEnumType(TransactionStatus, {
  name: 'TransactionStatus',
  description:
    'APPROVED (a partial refund stays APPROVED with its `refunded` amount), DECLINED, or REFUNDED in full.',
});
registerEnumType(MerchantCategory, {
  name: 'MerchantCategory',
  description: 'Travel and dining earn 10 points a dollar, the rest 1.',
});
registerEnumType(DeclineReason, { name: 'DeclineReason', description: 'Why a purchase was declined.' });
registerEnumType(PlanKind, {
  name: 'PlanKind',
  description: 'How a repayment plan splits what is owed into installments.',
  valuesConfig: {
    MONTHLY: { description: 'Equal amortised monthly payments at the plan APR.' },
    PAY_IN_4: { description: 'Four equal parts, 0% APR, every 14 days.' },
    INTEREST_FREE_45: { description: 'One payment 45 days after the purchase.' },
  },
});
registerEnumType(PlanStatus, {
  name: 'PlanStatus',
  description: 'Where a repayment plan stands.',
  valuesConfig: {
    ACTIVE: { description: 'Being repaid.' },
    PAID_OFF: { description: 'Every installment paid (or cancelled by a refund).' },
    CHARGED_OFF: { description: 'Written off with its account.' },
    CONVERTED: {
      description: 'A 45-day purchase split into a monthly plan, which holds what was still unpaid of it.',
    },
  },
});
registerEnumType(TransactionKind, {
  name: 'TransactionKind',
  description:
    'What a card transaction is: a purchase, or a charge for redeemed points that a refund took back.',
  valuesConfig: {
    PURCHASE: { description: 'A card purchase.' },
    REWARDS_CLAWBACK: {
      description:
        'Points a refund had to take back after they were redeemed, charged at their redeemed value (due in 45 days, like a purchase).',
    },
  },
});
registerEnumType(InstallmentStatus, {
  name: 'InstallmentStatus',
  description: 'Whether an installment is still to come (SCHEDULED), PARTIALLY_PAID, PAID, or LATE.',
});

export enum DelinquencyBucket {
  CURRENT = 'CURRENT',
  DPD_1_30 = 'DPD_1_30',
  DPD_31_60 = 'DPD_31_60',
  DPD_61_90 = 'DPD_61_90',
  DPD_90_PLUS = 'DPD_90_PLUS',
}
registerEnumType(DelinquencyBucket, { name: 'DelinquencyBucket', description: 'Days past due, bucketed.' });

export const bucketOf = (days: number): DelinquencyBucket =>
  days <= 0
    ? DelinquencyBucket.CURRENT
    : days <= 30
      ? DelinquencyBucket.DPD_1_30
      : days <= 60
        ? DelinquencyBucket.DPD_31_60
        : days <= 90
          ? DelinquencyBucket.DPD_61_90
          : DelinquencyBucket.DPD_90_PLUS;

export enum FundingSource {
  PLATFORM = 'PLATFORM',
  MARKETPLACE = 'MARKETPLACE',
}
registerEnumType(FundingSource, { name: 'FundingSource', description: 'Who funds a personal loan.' });

@ObjectType(CARD_TYPE, {
  implements: Node,
  description: 'A virtual card. The full number is only shown by `revealCard`.',
})
export class CardType extends Node {
  @Field(() => String)
  last4!: string;

  @Field(() => Int)
  expiryMonth!: number;

  @Field(() => Int)
  expiryYear!: number;

  @Field(() => CardStatus)
  status!: string;
}

export const cardType = (c: CardView): CardType =>
  Object.assign(new CardType(), {
    id: toGlobalId(CARD_TYPE, c.id),
    last4: c.last4,
    expiryMonth: c.expiryMonth,
    expiryYear: c.expiryYear,
    status: c.status,
  });

@ObjectType(TRANSACTION_TYPE, {
  implements: Node,
  description:
    'A card purchase, or a charge for redeemed points taken back by a refund. Approved ones are an INTEREST_FREE_45 plan until paid or converted.',
})
export class CardTransactionType extends Node {
  @Field(() => TransactionKind)
  kind!: string;

  @Field(() => TransactionStatus)
  status!: string;

  @Field(() => Money)
  amount!: Money;

  @Field(() => Money, { description: 'How much has been refunded so far.' })
  refunded!: Money;

  @Field(() => String)
  merchantName!: string;

  @Field(() => MerchantCategory)
  category!: string;

  @Field(() => DeclineReason, { nullable: true })
  declineReason!: string | null;

  @Field(() => Int, { description: 'Points this purchase earned, net of refunds.' })
  rewardPoints!: number;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Approved purchases: due in full on this date, interest-free.',
  })
  dueDate!: string | null;

  @Field(() => ID, { nullable: true, description: 'The installment plan it was converted into.' })
  planId!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const transactionType = (t: TransactionView): CardTransactionType =>
  Object.assign(new CardTransactionType(), {
    id: toGlobalId(TRANSACTION_TYPE, t.id),
    kind: t.kind,
    status: t.status,
    amount: money(t.amount),
    refunded: money(t.refunded),
    merchantName: t.merchantName,
    category: t.category,
    declineReason: t.declineReason,
    rewardPoints: t.rewardPoints,
    dueDate: t.dueDate,
    planId: t.planId ? toGlobalId(PLAN_TYPE, t.planId) : null,
    createdAt: new Date(t.createdAt),
  });

@ObjectType('Installment', { description: 'One installment of a plan.' })
export class InstallmentType {
  @Field(() => Int)
  number!: number;

  @Field(() => DateScalar)
  dueDate!: string;

  @Field(() => InstallmentStatus)
  status!: string;

  @Field(() => Money)
  principal!: Money;

  @Field(() => Money)
  interest!: Money;

  @Field(() => Money, { description: 'Late fee charged, if any.' })
  fee!: Money;

  @Field(() => Money, { description: 'principal + interest + fee.' })
  total!: Money;

  @Field(() => Money)
  paid!: Money;

  @Field(() => DateTimeScalar, { nullable: true })
  paidAt!: Date | null;
}

export const installmentType = (i: InstallmentView): InstallmentType => ({
  number: i.number,
  dueDate: i.dueDate,
  status: i.status,
  principal: money(i.principal),
  interest: money(i.interest),
  fee: money(i.fee),
  total: money(i.principal + i.interest + i.fee),
  paid: money(i.paid),
  paidAt: i.paidAt === null ? null : new Date(i.paidAt),
});

@ObjectType(PLAN_TYPE, {
  implements: Node,
  description: 'A repayment plan: monthly, pay-in-4, or interest-free 45 days.',
})
export class InstallmentPlanType extends Node {
  localId!: string;

  @Field(() => PlanKind)
  kind!: string;

  @Field(() => PlanStatus)
  status!: string;

  @Field(() => DecimalScalar, { description: 'Percent per year.' })
  apr!: number;

  @Field(() => Money)
  principal!: Money;

  @Field(() => DateScalar)
  startDate!: string;
}

export const planType = (p: PlanView): InstallmentPlanType =>
  Object.assign(new InstallmentPlanType(), {
    id: toGlobalId(PLAN_TYPE, p.id),
    localId: p.id,
    kind: p.kind,
    status: p.status,
    apr: p.aprBp,
    principal: money(p.principal),
    startDate: p.startDate,
  });

export const CardTransactionConnection = ConnectionType(CardTransactionType, 'CardTransaction');

@ObjectType(ACCOUNT_TYPE, { implements: Node, description: 'A credit line or a loan.' })
export class CreditAccountType extends Node {
  localId!: string;

  @Field(() => AccountKind)
  kind!: string;

  @Field(() => AccountStatus)
  status!: string;

  @Field(() => DecimalScalar, { description: 'Percent per year.' })
  apr!: number;

  @Field(() => Money, { description: 'Credit lines: the limit. Loans: the principal.' })
  creditLimit!: Money;

  @Field(() => Money, { description: 'What can still be spent (credit lines); zero for loans.' })
  availableCredit!: Money;

  @Field(() => Int)
  daysPastDue!: number;

  @Field(() => DelinquencyBucket)
  delinquencyBucket!: DelinquencyBucket;

  @Field(() => FundingSource, { nullable: true })
  fundingSource!: string | null;

  @Field(() => DateTimeScalar)
  openedAt!: Date;
}

export const accountType = (a: AccountView): CreditAccountType =>
  Object.assign(new CreditAccountType(), {
    id: toGlobalId(ACCOUNT_TYPE, a.id),
    localId: a.id,
    kind: a.kind,
    status: a.status,
    apr: a.aprBp,
    creditLimit: money(a.creditLimit),
    availableCredit: money(a.availableCredit),
    daysPastDue: a.daysPastDue,
    delinquencyBucket: bucketOf(a.daysPastDue),
    fundingSource: a.fundingSource,
    openedAt: new Date(a.openedAt),
  });

// ---- inputs and payloads

@InputType({ description: 'The approved application whose offer to accept and, for a loan, who funds it.' })
export class AcceptOfferInput {
  @Field(() => ID)
  applicationId!: string;

  @Field(() => FundingSource, { nullable: true, description: 'Loans only; PLATFORM by default.' })
  funding?: FundingSource | null;
}

@ObjectType({
  description: 'Result of `acceptOffer`: the accepted application and the account it opened, or user errors.',
})
export class AcceptOfferPayload {
  @Field(() => ApplicationType, { nullable: true })
  application?: ApplicationType | null;

  @Field(() => CreditAccountType, { nullable: true })
  account?: CreditAccountType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'The card to freeze, unfreeze, close or reveal.' })
export class CardInput {
  @Field(() => ID)
  cardId!: string;
}

@ObjectType({ description: 'Result of freezing, unfreezing or closing a card: the card, or user errors.' })
export class CardPayload {
  @Field(() => CardType, { nullable: true })
  card?: CardType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({
  description: 'Result of `revealCard`: the full card number, CVV and expiry, or user errors.',
})
export class RevealCardPayload {
  @Field(() => String, { nullable: true, description: 'The full 16-digit card number.' })
  pan?: string | null;

  @Field(() => String, { nullable: true })
  cvv?: string | null;

  @Field(() => Int, { nullable: true })
  expiryMonth?: number | null;

  @Field(() => Int, { nullable: true })
  expiryYear?: number | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({
  description: 'A card purchase to authorize: the card, amount, merchant and an idempotency key.',
})
export class AuthorizeCardTransactionInput {
  @Field(() => ID)
  cardId!: string;

  @Field(() => DecimalScalar)
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  merchantName!: string;

  @Field(() => MerchantCategory)
  category!: string;

  @Field(() => String, {
    description: '1–100 characters; a repeat with the same key returns the first result.',
  })
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@InputType({
  description: 'The purchase to refund and how much of it, with an idempotency key.',
})
export class RefundCardTransactionInput {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => DecimalScalar)
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@InputType({ description: 'The purchase to split into monthly payments, and over how many months.' })
export class ConvertToInstallmentsInput {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => Int, { description: '3, 6 or 12.' })
  months!: number;
}

@ObjectType({
  description: 'Result of a card purchase or refund: the transaction and its account, or user errors.',
})
export class CardTransactionPayload {
  @Field(() => CardTransactionType, { nullable: true })
  transaction?: CardTransactionType | null;

  @Field(() => CreditAccountType, { nullable: true })
  account?: CreditAccountType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({
  description: 'Result of `convertToInstallments`: the new monthly plan, or user errors.',
})
export class ConvertToInstallmentsPayload {
  @Field(() => InstallmentPlanType, { nullable: true })
  plan?: InstallmentPlanType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: 'A card transaction, live, with the cursor to resume from.' })
export class CardTransactionEvent {
  @Field(() => String)
  cursor!: string;

  @Field(() => CardTransactionType)
  transaction!: CardTransactionType;
}
