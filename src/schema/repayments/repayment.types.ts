import { MaxLength, Max, Min } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import { ConnectionType } from '../common/connection';
import { toGlobalId } from '../../lib/global-id';
import {
  DISBURSEMENT_TYPE,
  PAYMENT_TYPE,
  type AllocationView,
  type DisbursementView,
  type PaymentSummaryView,
} from '../../services/repayments/payment-view';
import { PLAN_TYPE } from '../../services/accounts/installment-plan.service';
import { TRANSACTION_TYPE } from '../../services/accounts/transaction-view';
import { Money, money } from '../common/money.type';
import { Node } from '../common/node';
import { DateScalar, DateTimeScalar, DecimalScalar } from '../common/scalars';
import { UserError } from '../common/user-error.type';
import { CreditAccountType } from '../accounts/account.types';

registerEnumType(PaymentSource, {
  name: 'PaymentSource',
  description: 'Where the money of a payment came from.',
  valuesConfig: {
    GATEWAY: { description: 'Collected through the payment provider (`makePayment`).' },
    REWARDS: { description: 'Reward points redeemed as a statement or travel credit (`redeemRewards`).' },
    REFUND: {
      description:
        'What had been paid of a refunded purchase, applied to what else the account owes (any rest is sent back to the bank).',
    },
    AUTOPAY: {
      description:
        'Charged automatically for an installment of a checkout plan on its due date (a pay-in-4’s first part at checkout), retried on the next two days if it fails; paid to that plan only.',
    },
  },
});

@ObjectType({ description: 'Where part of a payment went.' })
export class PaymentAllocationType {
  @Field(() => ID, { nullable: true })
  planId!: string | null;

  @Field(() => Int, { nullable: true })
  installmentNumber!: number | null;

  @Field(() => ID, { nullable: true, description: 'The purchase, when the plan paid is its 45-day bill.' })
  transactionId!: string | null;

  @Field(() => Money)
  fee!: Money;

  @Field(() => Money)
  interest!: Money;

  @Field(() => Money)
  principal!: Money;
}

@ObjectType('Payment', {
  implements: Node,
  description:
    'A repayment through the payment provider (or reward points applied like one), and where it went.',
})
export class PaymentResultType extends Node {
  localId!: string;

  @Field(() => String, {
    description:
      'PENDING (the provider has not answered yet; it is settled as soon as it does), SUCCEEDED or FAILED.',
  })
  status!: string;

  @Field(() => PaymentSource, { description: 'Money through the gateway, or redeemed reward points.' })
  source!: string;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => Money)
  amount!: Money;

  @Field(() => Money, { description: 'Paid ahead on principal (the oldest plan re-amortised).' })
  prepayment!: Money;

  /** Resolved by PaymentResolver.allocations (batched when absent). */
  allocations?: PaymentAllocationType[];

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const allocationType = (a: AllocationView): PaymentAllocationType => ({
  planId: a.planId ? toGlobalId(PLAN_TYPE, a.planId) : null,
  installmentNumber: a.installmentNumber,
  transactionId: a.transactionId ? toGlobalId(TRANSACTION_TYPE, a.transactionId) : null,
  fee: money(a.fee),
  interest: money(a.interest),
  principal: money(a.principal),
});

/** A payment; without its allocations (a list, a live event), `allocations` reads them batched. */
export const paymentResultType = (
  p: PaymentSummaryView & { allocations?: AllocationView[] },
): PaymentResultType =>
  Object.assign(new PaymentResultType(), {
    id: toGlobalId(PAYMENT_TYPE, p.id),
    localId: p.id,
    status: p.status,
    source: p.source,
    failureReason: p.failureReason,
    amount: money(p.amount),
    prepayment: money(p.prepayment),
    allocations: p.allocations?.map(allocationType),
    createdAt: new Date(p.createdAt),
  });

@ObjectType(DISBURSEMENT_TYPE, {
  implements: Node,
  description: 'Money paid out to the owner through the gateway.',
})
export class DisbursementType extends Node {
  @Field(() => String, { description: 'PENDING (the provider has not answered yet), SUCCEEDED or FAILED.' })
  status!: string;

  @Field(() => Money)
  amount!: Money;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const disbursementType = (d: DisbursementView): DisbursementType =>
  Object.assign(new DisbursementType(), {
    id: toGlobalId(DISBURSEMENT_TYPE, d.id),
    status: d.status,
    amount: money(d.amount),
    failureReason: d.failureReason,
    createdAt: new Date(d.createdAt),
  });

@InputType({
  description:
    'A loan awaiting its payout, or a cash draw from a credit line (`amount`, `termMonths`), with an idempotency key.',
})
export class RequestDisbursementInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: 'Credit lines only (required there): the cash to draw, 50.00 up to the available credit.',
  })
  amount?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Credit lines only: months to repay the draw in, 3, 6 or 12 (default 12).',
  })
  termMonths?: number | null;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({
  description: 'Result of `requestDisbursement`: the account and its payout, or user errors.',
})
export class RequestDisbursementPayload {
  @Field(() => CreditAccountType, { nullable: true })
  account?: CreditAccountType | null;

  @Field(() => DisbursementType, { nullable: true })
  disbursement?: DisbursementType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType({ description: 'A repayment on an account: the amount, with an idempotency key.' })
export class MakePaymentInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => DecimalScalar)
  amount!: number;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({ description: 'Result of `makePayment`: the payment and its account, or user errors.' })
export class MakePaymentPayload {
  @Field(() => PaymentResultType, { nullable: true })
  payment?: PaymentResultType | null;

  @Field(() => CreditAccountType, { nullable: true })
  account?: CreditAccountType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: 'A payment, live, with the cursor to resume from.' })
export class PaymentEvent {
  @Field(() => String)
  cursor!: string;

  @Field(() => PaymentResultType)
  payment!: PaymentResultType;
}

@ObjectType({ description: 'Business time: due dates, expiries and record timestamps follow it.' })
export class SandboxClock {
  @Field(() => DateScalar)
  today!: string;

  @Field(() => DateTimeScalar)
  now!: Date;
}

@InputType({ description: 'How many days to move the sandbox clock forward.' })
export class AdvanceSandboxClockInput {
  @Field(() => Int, { description: '1 to 3650.' })
  @Min(-1_000_000)
  @Max(1_000_000)
  days!: number;
}

@ObjectType({
  description: 'Result of `advanceSandboxClock`: the new business time, or user errors.',
})
export class AdvanceSandboxClockPayload {
  @Field(() => SandboxClock, { nullable: true })
  clock?: SandboxClock | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

export const PaymentConnection = ConnectionType(PaymentResultType, 'Payment');
