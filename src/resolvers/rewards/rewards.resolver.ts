import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  UseMiddleware,
} from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import type { RequestScope } from '../../services/common/request-scope';
import { money } from '../../schema/common/money.type';
import { PayloadErrors } from '../../schema/common/payload';
import {
  Impact,
  RedeemRewardsInput,
  RedeemRewardsPayload,
  RewardEntryConnection,
  RewardsType,
  TrialBalanceType,
  redemptionType,
  rewardEntryType,
} from '../../schema/rewards/rewards.types';
import { LedgerService } from '../../services/ledger/ledger.service';
import { RewardPointsService } from '../../services/rewards/reward-points.service';
import { RedemptionService } from '../../services/rewards/redemption.service';
import { mapConnection } from '../../services/common/pagination';

@Resolver(() => RewardsType)
export class RewardsResolver {
  constructor(
    private readonly points: RewardPointsService,
    private readonly redemptions: RedemptionService,
    private readonly ledger: LedgerService,
  ) {}

  @FieldResolver(() => RewardEntryConnection, { description: 'Every change of the balance, newest first.' })
  async entries(
    @Root() r: RewardsType,
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.points.entries(ctx, r.userId, { first, after });
    return mapConnection(page, rewardEntryType);
  }

  @Authorized()
  @Mutation(() => RedeemRewardsPayload, {
    description: 'Redeem at least 1,000 points as credit on an account.',
  })
  @UseMiddleware(PayloadErrors)
  async redeemRewards(
    @Arg('input', () => RedeemRewardsInput) input: RedeemRewardsInput,
    @Ctx() ctx: RequestScope,
  ) {
    const r = await this.redemptions.redeem(ctx, input);
    return {
      redemption: redemptionType(r.redemption),
      rewards: { userId: r.redemption.userId, ...r.rewards },
    };
  }

  @Authorized()
  @Query(() => Impact, { description: 'The charity set-aside so far.' })
  async impact(@Ctx() ctx: RequestScope): Promise<Impact> {
    const i = await this.points.impact(ctx);
    return { charityTotal: money(i.charityTotal), since: i.since };
  }

  @Authorized(Role.ADMIN)
  @Query(() => TrialBalanceType, { description: 'Admins: every ledger account; debits equal credits.' })
  async trialBalance(@Ctx() ctx: RequestScope): Promise<TrialBalanceType> {
    const t = await this.ledger.trialBalance(ctx);
    return {
      totalDebits: money(t.totalDebits),
      totalCredits: money(t.totalCredits),
      accounts: t.accounts.map((a) => ({ code: a.code, name: a.name, balance: money(a.balance) })),
    };
  }
}
