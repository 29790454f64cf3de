import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Notification } from '../../entities';
import { fromGlobalId, toGlobalId } from '../../lib/global-id';
import { accountType, cardType, transactionType } from '../../schema/accounts/account.types';
import { ACCOUNT_TYPE, CARD_TYPE } from '../../services/accounts/credit-account.service';
import { TRANSACTION_TYPE } from '../../services/accounts/card-transaction.service';
import { applicationType, decisionType } from '../../schema/applications/application.types';
import { APPLICATION_TYPE, DECISION_TYPE } from '../../services/applications/credit-application.service';
import type { RequestContext } from '../../server/context';
import { Node } from '../../schema/common/node';
import { notificationType } from '../../schema/notifications/notification.types';
import { USER_TYPE, userType } from '../../schema/identity/user.type';
import { NOTIFICATION_TYPE, notificationView } from '../../services/notifications/notification.service';

type Fetch = (ctx: RequestContext, id: string) => Promise<Node | null>;

/**
 * How `node(id:)` finds each type. Each entry applies the same visibility as the type's own
 * query: anything the caller may not see is null, exactly like an id that does not exist.
 */
const fetchers: Record<string, Fetch> = {
  [USER_TYPE]: async (ctx, id) => {
    if (ctx.viewer?.userId !== id && !ctx.viewer?.isAdmin) return null;
    const u = await ctx.loaders.userById.load(id);
    return u && !u.deletedAt ? userType(u) : null;
  },
  [NOTIFICATION_TYPE]: async (ctx, id) => {
    const n = await ctx.em.findOne(Notification, { id });
    if (!n || (n.userId !== ctx.viewer?.userId && !ctx.viewer?.isAdmin)) return null;
    return notificationType(notificationView(n));
  },
  [APPLICATION_TYPE]: async (ctx, id) => {
    const v = await ctx.services.applications.get(ctx, toGlobalId(APPLICATION_TYPE, id));
    return v ? applicationType(v, ctx.services.clock.now()) : null;
  },
  [DECISION_TYPE]: async (ctx, id) => {
    const d = await ctx.services.applications.getDecision(ctx, id);
    return d ? decisionType(d) : null;
  },
  [ACCOUNT_TYPE]: async (ctx, id) => {
    const a = await ctx.services.accounts.get(ctx, toGlobalId(ACCOUNT_TYPE, id));
    return a ? accountType(a) : null;
  },
  [CARD_TYPE]: async (ctx, id) => {
    const c = await ctx.services.accounts.getCard(ctx, id);
    return c ? cardType(c) : null;
  },
  [TRANSACTION_TYPE]: async (ctx, id) => {
    const t = await ctx.services.purchases.get(ctx, id);
    return t ? transactionType(t) : null;
  },
};

@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, {
    nullable: true,
    description: 'Any object by its global id (Relay); null if absent or not yours.',
  })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext): Promise<Node | null> {
    const parsed = fromGlobalId(id);
    const fetch = parsed && fetchers[parsed.type];
    return fetch ? fetch(ctx, parsed.id) : null;
  }
}
