import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Clock } from '../../lib/clock';
import { fromGlobalId, toGlobalId } from '../../lib/global-id';
import { accountType, cardType, transactionType } from '../../schema/accounts/account.types';
import { applicationType, decisionType } from '../../schema/applications/application.types';
import { Node } from '../../schema/common/node';
import { USER_TYPE, userType } from '../../schema/identity/user.type';
import { notificationType } from '../../schema/notifications/notification.types';
import { CardTransactionService } from '../../services/accounts/card-transaction.service';
import {
  ACCOUNT_TYPE,
  CARD_TYPE,
  CreditAccountService,
} from '../../services/accounts/credit-account.service';
import { TRANSACTION_TYPE } from '../../services/accounts/transaction-view';
import {
  APPLICATION_TYPE,
  CreditApplicationService,
  DECISION_TYPE,
} from '../../services/applications/credit-application.service';
import type { RequestScope } from '../../services/common/request-scope';
import { UserService } from '../../services/identity/user.service';
import { NOTIFICATION_TYPE, NotificationService } from '../../services/notifications/notification.service';

type Fetch = (ctx: RequestScope, id: string) => Promise<Node | null>;

@Resolver()
export class NodeResolver {
  /**
   * How `node(id:)` finds each type: through the feature's own service, which applies the
   * same visibility as the type's own query. Anything the caller may not see is null,
   * exactly like an id that does not exist.
   */
  private readonly fetchers: Record<string, Fetch>;

  constructor(
    users: UserService,
    notifications: NotificationService,
    applications: CreditApplicationService,
    accounts: CreditAccountService,
    purchases: CardTransactionService,
    clock: Clock,
  ) {
    const view =
      <V, N>(get: (ctx: RequestScope, id: string) => Promise<V | null>, toNode: (v: V) => N) =>
      async (ctx: RequestScope, id: string) => {
        const v = await get(ctx, id);
        return v ? (toNode(v) as Node) : null;
      };
    this.fetchers = {
      [USER_TYPE]: view((ctx, id) => users.get(ctx, id), userType),
      [NOTIFICATION_TYPE]: view((ctx, id) => notifications.get(ctx, id), notificationType),
      [APPLICATION_TYPE]: view(
        (ctx, id) => applications.get(ctx, toGlobalId(APPLICATION_TYPE, id)),
        (v) => applicationType(v, clock.now()),
      ),
      [DECISION_TYPE]: view((ctx, id) => applications.getDecision(ctx, id), decisionType),
      [ACCOUNT_TYPE]: view((ctx, id) => accounts.get(ctx, toGlobalId(ACCOUNT_TYPE, id)), accountType),
      [CARD_TYPE]: view((ctx, id) => accounts.getCard(ctx, id), cardType),
      [TRANSACTION_TYPE]: view((ctx, id) => purchases.get(ctx, id), transactionType),
    };
  }

  @Authorized()
  @Query(() => Node, {
    nullable: true,
    description: 'Any object by its global id (Relay); null if absent or not yours.',
  })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestScope): Promise<Node | null> {
    const parsed = fromGlobalId(id);
    const fetch = parsed && this.fetchers[parsed.type];
    return fetch ? fetch(ctx, parsed.id) : null;
  }
}
