import { Field, ID, Int, ObjectType } from 'type-graphql';
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
import { DelinquencyBucket, FundingSource, bucketOf } from './account.enums';

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

  @Field(() => DateTimeScalar, {
    nullable: true,
    description:
      'When the owner asked to close it (`requestAccountClosure`): its card is frozen and it closes by itself once nothing is owed. Null if never asked.',
  })
  closureRequestedAt!: Date | null;
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
    closureRequestedAt: a.closureRequestedAt === null ? null : new Date(a.closureRequestedAt),
  });

export const CreditAccountConnection = ConnectionType(CreditAccountType, 'CreditAccount');

// ---- inputs and payloads
