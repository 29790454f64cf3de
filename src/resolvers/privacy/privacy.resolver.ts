import { Arg, Ctx, Mutation, Query, Resolver, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import { PayloadErrors } from '../../schema/common/payload';
import { JSONScalar } from '../../schema/common/scalars';
import { DeleteMyAccountInput, DeleteMyAccountPayload } from '../../schema/privacy/privacy.types';
import type { RequestScope } from '../../services/common/request-scope';
import { AccountDeletionService } from '../../services/privacy/account-deletion.service';
import { DataExportService } from '../../services/privacy/data-export.service';

/** A refused deletion (userErrors only) still answers `deleted: false`. */
const NotDeletedUnlessSaid: MiddlewareFn = async (_data, next) => ({
  deleted: false,
  ...((await next()) as Record<string, unknown>),
});

@Resolver()
export class PrivacyResolver {
  constructor(
    private readonly exports: DataExportService,
    private readonly deletion: AccountDeletionService,
  ) {}

  @Query(() => JSONScalar, {
    description:
      'Everything held on the signed-in user, as one JSON document: profile, applications with their decisions and the data submitted, accounts and cards (never the card number), transactions, plans, payments, payouts, rewards, notifications, sessions, audit entries about them, and investor and merchant data where present. Money as Decimal strings, instants as ISO-8601 UTC. Never passwords, tokens, card numbers, API-key hashes or webhook secrets. Not with a merchant API key.',
  })
  async exportMyData(@Ctx() ctx: RequestScope): Promise<Record<string, unknown>> {
    return this.exports.exportMine(ctx);
  }

  @Mutation(() => DeleteMyAccountPayload, {
    description:
      'Deletes the signed-in account, with its password entered again. Refused (INVALID_STATE, one userError per reason) while money is owed or held: a balance, a pending payment or payout, investor cash or active notes, unsettled merchant sales. Otherwise open applications are withdrawn, open accounts and cards closed, every session and API key revoked, webhooks removed, and personal data (email, name, contact and free text) erased; financial records stay, pseudonymised. The email can then sign up again as a new person.',
  })
  @UseMiddleware(NotDeletedUnlessSaid, PayloadErrors)
  async deleteMyAccount(
    @Arg('input', () => DeleteMyAccountInput) input: DeleteMyAccountInput,
    @Ctx() ctx: RequestScope,
  ): Promise<Partial<DeleteMyAccountPayload>> {
    await this.deletion.deleteMine(ctx, input.password);
    return { deleted: true };
  }
}
