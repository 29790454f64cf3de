import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver, UseMiddleware } from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import {
  RequestAccountClosureInput,
  RequestAccountClosurePayload,
} from '../../schema/accounts/account-closure.types';
import { CreditAccountConnection, accountType } from '../../schema/accounts/account.types';
import { PayloadErrors } from '../../schema/common/payload';
import { AccountClosureService } from '../../services/accounts/account-closure.service';
import { mapConnection } from '../../services/common/pagination';
import type { RequestScope } from '../../services/common/request-scope';

@Resolver()
export class AccountClosureResolver {
  constructor(private readonly closures: AccountClosureService) {}

  @Authorized()
  @Mutation(() => RequestAccountClosurePayload, {
    description:
      'The owner asks to close a credit line or a loan. Nothing owed: it closes at once (CLOSED, its card CLOSED). Otherwise its card is frozen, `closureRequestedAt` is set, payments go on, and it closes by itself when the balance reaches zero. Idempotent; asking again answers the account as it is. Refused (INVALID_STATE) for a loan not paid out yet and for a charged-off account.',
  })
  @UseMiddleware(PayloadErrors)
  async requestAccountClosure(
    @Arg('input', () => RequestAccountClosureInput) input: RequestAccountClosureInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { account: accountType(await this.closures.requestClosure(ctx, input)) };
  }

  @Authorized(Role.ADMIN)
  @Query(() => CreditAccountConnection, {
    description:
      'Admins: accounts whose owner asked to close them and that are not CLOSED yet (still owing), newest request first.',
  })
  async pendingClosures(
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return mapConnection(await this.closures.pendingClosures(ctx, { first, after }), accountType);
  }
}
