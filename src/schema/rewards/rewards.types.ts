import { MaxLength } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RedemptionKind, RewardReason } from '../../entities/rewards/rewards.entity';
import { toGlobalId } from '../../lib/global-id';
import {
  REDEMPTION_TYPE,
  REWARD_ENTRY_TYPE,
  type RedemptionView,
  type RewardEntryView,
} from '../../services/rewards/reward-view';
import { ConnectionType } from '../common/connection';
import { Money, money } from '../common/money.type';
import { Node } from '../common/node';
import { DateTimeScalar } from '../common/scalars';
import { UserError } from '../common/user-error.type';

registerEnumType(RedemptionKind, {
  name: 'RedemptionKind',
  description: 'How reward points are redeemed, which sets what each point is worth.',
  valuesConfig: {
    STATEMENT_CREDIT: { description: '1 cent a point, credited to the account.' },
    TRAVEL: { description: '1.25 cents a point, credited to the account as a travel redemption.' },
  },
});
registerEnumType(RewardReason, {
  name: 'RewardReason',
  description: 'Why the points balance changed.',
  valuesConfig: {
    PURCHASE: { description: 'Earned on an approved card purchase.' },
    REFUND: { description: 'Taken back, in proportion, when a purchase was refunded.' },
    ON_TIME_INSTALLMENT: { description: '50 points for an installment paid in full by its due date.' },
    REDEMPTION: { description: 'Redeemed.' },
  },
});

@ObjectType(REWARD_ENTRY_TYPE, { implements: Node, description: 'One change of the points balance.' })
export class RewardEntryType extends Node {
  @Field(() => Int, { description: 'Positive when earned, negative when taken back or redeemed.' })
  points!: number;

  @Field(() => RewardReason)
  reason!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const rewardEntryType = (e: RewardEntryView): RewardEntryType =>
  Object.assign(new RewardEntryType(), {
    id: toGlobalId(REWARD_ENTRY_TYPE, e.id),
    points: e.points,
    reason: e.reason,
    createdAt: new Date(e.createdAt),
  });

export const RewardEntryConnection = ConnectionType(RewardEntryType, 'RewardEntry');

@ObjectType('Rewards', { description: "A user's reward points." })
export class RewardsType {
  userId!: string;

  @Field(() => Int)
  balance!: number;

  @Field(() => Int)
  lifetimeEarned!: number;
}

@ObjectType(REDEMPTION_TYPE, {
  implements: Node,
  description: 'Reward points redeemed as a credit on an account.',
})
export class RewardRedemptionType extends Node {
  @Field(() => RedemptionKind)
  kind!: string;

  @Field(() => Int)
  points!: number;

  @Field(() => Money, { description: 'What was credited to the account.' })
  value!: Money;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

export const redemptionType = (r: RedemptionView): RewardRedemptionType =>
  Object.assign(new RewardRedemptionType(), {
    id: toGlobalId(REDEMPTION_TYPE, r.id),
    kind: r.kind,
    points: r.points,
    value: money(r.value),
    createdAt: new Date(r.createdAt),
  });

@InputType({ description: 'The points to redeem, how, and the account to credit.' })
export class RedeemRewardsInput {
  @Field(() => ID, { description: 'The account credited.' })
  accountId!: string;

  @Field(() => Int, { description: 'At least 1,000.' })
  points!: number;

  @Field(() => RedemptionKind)
  kind!: RedemptionKind;

  @Field(() => String)
  @MaxLength(10_000)
  idempotencyKey!: string;
}

@ObjectType({
  description: 'Result of `redeemRewards`: the redemption and the new points balance, or user errors.',
})
export class RedeemRewardsPayload {
  @Field(() => RewardRedemptionType, { nullable: true })
  redemption?: RewardRedemptionType | null;

  @Field(() => RewardsType, { nullable: true })
  rewards?: RewardsType | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType({ description: '1% of the interest in every payment is set aside for charity.' })
export class Impact {
  @Field(() => Money, { description: 'Set aside so far, across the platform.' })
  charityTotal!: Money;

  @Field(() => DateTimeScalar, { description: 'Counting since.' })
  since!: Date;
}

@ObjectType({ description: 'One ledger account in the trial balance.' })
export class TrialBalanceAccount {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Money, { description: 'Debit positive, credit negative.' })
  balance!: Money;
}

@ObjectType({ description: 'All ledger accounts; debits equal credits, so the balances net to zero.' })
export class TrialBalanceType {
  @Field(() => Money)
  totalDebits!: Money;

  @Field(() => Money)
  totalCredits!: Money;

  @Field(() => [TrialBalanceAccount])
  accounts!: TrialBalanceAccount[];
}
