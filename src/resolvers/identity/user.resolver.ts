import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { forbidden } from '../../lib/errors';
import type { RequestContext } from '../../server/context';
import { NotificationConnection, notificationType } from '../../schema/notifications/notification.types';
import { UserType, userType } from '../../schema/identity/user.type';
import { CreditAccountType, accountType } from '../../schema/accounts/account.types';
import { RewardsType } from '../../schema/rewards/rewards.types';
import { ApplicationConnection, applicationType } from '../../schema/applications/application.types';

@Resolver(() => UserType)
export class UserResolver {
  @Query(() => UserType, { nullable: true, description: 'The signed-in user; null when not signed in.' })
  async me(@Ctx() ctx: RequestContext): Promise<UserType | null> {
    const user = await ctx.services.users.me(ctx);
    return user ? userType(user) : null;
  }

  @FieldResolver(() => ApplicationConnection, { description: "The user's applications, newest first." })
  async applications(
    @Root() user: UserType,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await ctx.services.applications.listMine(ctx, user.localId, { first, after });
    const now = ctx.services.clock.now();
    return {
      ...page,
      edges: page.edges.map((e) => ({ cursor: e.cursor, node: applicationType(e.node, now) })),
    };
  }

  @FieldResolver(() => [CreditAccountType], { description: "The user's accounts, oldest first." })
  async accounts(@Root() user: UserType, @Ctx() ctx: RequestContext) {
    return (await ctx.services.accounts.listFor(ctx, user.localId)).map(accountType);
  }

  @FieldResolver(() => RewardsType, { description: "The user's reward points." })
  async rewards(@Root() user: UserType, @Ctx() ctx: RequestContext): Promise<RewardsType> {
    return { userId: user.localId, ...(await ctx.services.rewards.summary(ctx, user.localId)) };
  }

  @FieldResolver(() => NotificationConnection, { description: "The user's notifications, newest first." })
  async notifications(
    @Root() user: UserType,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('unreadOnly', () => Boolean, { nullable: true }) unreadOnly?: boolean,
  ) {
    if (ctx.viewer?.userId !== user.localId && !ctx.viewer?.isAdmin) throw forbidden();
    const page = await ctx.services.notifications.list(ctx, user.localId, { first, after, unreadOnly });
    return { ...page, edges: page.edges.map((e) => ({ cursor: e.cursor, node: notificationType(e.node) })) };
  }
}
