import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestScope } from '../../services/common/request-scope';
import { NotificationConnection, notificationType } from '../../schema/notifications/notification.types';
import { UserType, userType } from '../../schema/identity/user.type';
import { CreditAccountType, accountType } from '../../schema/accounts/account.types';
import { RewardsType } from '../../schema/rewards/rewards.types';
import { ApplicationConnection, applicationType } from '../../schema/applications/application.types';
import { CreditAccountService } from '../../services/accounts/credit-account.service';
import { CreditApplicationService } from '../../services/applications/credit-application.service';
import { Clock } from '../../lib/clock';
import { NotificationService } from '../../services/notifications/notification.service';
import { RewardPointsService } from '../../services/rewards/reward-points.service';
import { UserService } from '../../services/identity/user.service';
import { mapConnection } from '../../services/common/pagination';

@Resolver(() => UserType)
export class UserResolver {
  constructor(
    private readonly users: UserService,
    private readonly applicationService: CreditApplicationService,
    private readonly accountService: CreditAccountService,
    private readonly points: RewardPointsService,
    private readonly notificationService: NotificationService,
    private readonly clock: Clock,
  ) {}

  @Query(() => UserType, { nullable: true, description: 'The signed-in user; null when not signed in.' })
  async me(@Ctx() ctx: RequestScope): Promise<UserType | null> {
    const user = await this.users.me(ctx);
    return user ? userType(user) : null;
  }

  @FieldResolver(() => ApplicationConnection, { description: "The user's applications, newest first." })
  async applications(
    @Root() user: UserType,
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.applicationService.listMine(ctx, user.localId, { first, after });
    const now = this.clock.now();
    return mapConnection(page, (a) => applicationType(a, now));
  }

  @FieldResolver(() => [CreditAccountType], { description: "The user's accounts, oldest first." })
  async accounts(@Root() user: UserType, @Ctx() ctx: RequestScope) {
    return (await this.accountService.listFor(ctx, user.localId)).map(accountType);
  }

  @FieldResolver(() => RewardsType, { description: "The user's reward points." })
  async rewards(@Root() user: UserType, @Ctx() ctx: RequestScope): Promise<RewardsType> {
    return { userId: user.localId, ...(await this.points.summary(ctx, user.localId)) };
  }

  @FieldResolver(() => NotificationConnection, { description: "The user's notifications, newest first." })
  async notifications(
    @Root() user: UserType,
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('unreadOnly', () => Boolean, { nullable: true }) unreadOnly?: boolean,
  ) {
    const page = await this.notificationService.list(ctx, user.localId, { first, after, unreadOnly });
    return mapConnection(page, notificationType);
  }
}
