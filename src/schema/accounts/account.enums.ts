import { registerEnumType } from 'type-graphql';
import { AccountKind, AccountStatus } from '../../entities/accounts/credit-account.entity';
import { CardStatus } from '../../entities/accounts/card.entity';
import {
  DeclineReason,
  MerchantCategory,
  TransactionKind,
  TransactionStatus,
} from '../../entities/accounts/card-transaction.entity';
import { InstallmentStatus, PlanKind, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import { delinquencyBucket } from '../../domain/accounts/delinquency';

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

export const bucketOf = (days: number): DelinquencyBucket => delinquencyBucket(days) as DelinquencyBucket;

export enum FundingSource {
  PLATFORM = 'PLATFORM',
  MARKETPLACE = 'MARKETPLACE',
}
registerEnumType(FundingSource, { name: 'FundingSource', description: 'Who funds a personal loan.' });
