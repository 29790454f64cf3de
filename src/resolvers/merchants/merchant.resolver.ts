import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  UseMiddleware,
} from 'type-graphql';
import { MerchantStatus } from '../../entities/merchants/merchant.entity';
import { Role } from '../../entities/identity/user.entity';
import { InstallmentPlanType, planType } from '../../schema/accounts/account.types';
import { PayloadErrors } from '../../schema/common/payload';
import {
  ApiKeyType,
  apiKeyType,
  attemptType,
  CheckoutConnection,
  CheckoutEvent,
  CheckoutType,
  checkoutType,
  ConfirmCheckoutInput,
  ConfirmCheckoutPayload,
  CreateApiKeyInput,
  CreateApiKeyPayload,
  CreateCheckoutInput,
  CreateCheckoutPayload,
  deliveryType,
  MerchantPayload,
  MerchantSettlementConnection,
  MerchantStatusInput,
  MerchantType,
  merchantType,
  RefundCheckoutInput,
  RefundCheckoutPayload,
  RegisterWebhookInput,
  RegisterWebhookPayload,
  RemoveWebhookInput,
  RemoveWebhookPayload,
  RevokeApiKeyInput,
  RevokeApiKeyPayload,
  settlementType,
  UpdateMerchantProfileInput,
  WebhookAttemptType,
  WebhookDeliveryConnection,
  WebhookDeliveryType,
  WebhookType,
  webhookType,
} from '../../schema/merchants/merchant.types';
import { InstallmentPlanService } from '../../services/accounts/installment-plan.service';
import type { RequestScope } from '../../services/common/request-scope';
import { CheckoutRefundService } from '../../services/merchants/checkout-refund.service';
import { CheckoutService } from '../../services/merchants/checkout.service';
import { MerchantService } from '../../services/merchants/merchant.service';
import type { MerchantView } from '../../services/merchants/merchant-view';
import { SettlementService } from '../../services/merchants/settlement.service';
import { WebhookService } from '../../services/merchants/webhook.service';
import { EventType, type LiveEvent } from '../../subscriptions/common/topics';
import { liveSubscribe } from '../common/live-subscribe';
import { mapConnection } from '../../services/common/pagination';

/** The merchant itself and admins see the settlement account; everyone else the public part. */
const shown = (ctx: RequestScope, m: MerchantView) =>
  merchantType(m, ctx.viewer?.isAdmin === true || ctx.viewer?.userId === m.userId);

@Resolver()
export class MerchantResolver {
  constructor(
    private readonly merchantService: MerchantService,
    private readonly webhookService: WebhookService,
    private readonly settlements: SettlementService,
  ) {}

  @Authorized()
  @Query(() => MerchantType, {
    nullable: true,
    description: 'Merchants: your merchant profile (null for others).',
  })
  async merchant(@Ctx() ctx: RequestScope) {
    const m = await this.merchantService.mine(ctx);
    return m ? shown(ctx, m) : null;
  }

  @Authorized(Role.ADMIN)
  @Query(() => [MerchantType], { description: 'Admins: every merchant, newest first (at most 500).' })
  async merchants(@Ctx() ctx: RequestScope) {
    return (await this.merchantService.list(ctx)).map((m) => shown(ctx, m));
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => MerchantPayload, {
    description: 'Merchants: complete your profile (business name, website, settlement account reference).',
  })
  @UseMiddleware(PayloadErrors)
  async updateMerchantProfile(
    @Arg('input', () => UpdateMerchantProfileInput) input: UpdateMerchantProfileInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { merchant: shown(ctx, await this.merchantService.updateProfile(ctx, input)) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => MerchantPayload, {
    description:
      'Admins: suspend a merchant: its API keys are refused and its checkouts cannot be paid (audited).',
  })
  @UseMiddleware(PayloadErrors)
  async suspendMerchant(
    @Arg('input', () => MerchantStatusInput) input: MerchantStatusInput,
    @Ctx() ctx: RequestScope,
  ) {
    return {
      merchant: shown(ctx, await this.merchantService.setStatus(ctx, input, MerchantStatus.SUSPENDED)),
    };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => MerchantPayload, { description: 'Admins: let a suspended merchant sell again (audited).' })
  @UseMiddleware(PayloadErrors)
  async reinstateMerchant(
    @Arg('input', () => MerchantStatusInput) input: MerchantStatusInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { merchant: shown(ctx, await this.merchantService.setStatus(ctx, input, MerchantStatus.ACTIVE)) };
  }

  @Authorized(Role.MERCHANT)
  @Query(() => [ApiKeyType], { description: 'Merchants: your API keys, newest first (never their secrets).' })
  async apiKeys(@Ctx() ctx: RequestScope) {
    return (await this.merchantService.apiKeys(ctx)).map(apiKeyType);
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => CreateApiKeyPayload, {
    description: 'Merchants (signed in, not with a key): a new API key; its `mk_…` secret is shown once.',
  })
  @UseMiddleware(PayloadErrors)
  async createApiKey(
    @Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput,
    @Ctx() ctx: RequestScope,
  ) {
    const r = await this.merchantService.createApiKey(ctx, input);
    return { apiKey: apiKeyType(r.apiKey), secret: r.secret };
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => RevokeApiKeyPayload, {
    description: 'Merchants: revoke a key; it is refused from then on.',
  })
  @UseMiddleware(PayloadErrors)
  async revokeApiKey(
    @Arg('input', () => RevokeApiKeyInput) input: RevokeApiKeyInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { apiKey: apiKeyType(await this.merchantService.revokeApiKey(ctx, input)) };
  }

  @Authorized(Role.MERCHANT)
  @Query(() => MerchantSettlementConnection, {
    description: 'Merchants: your daily settlements, newest first.',
  })
  async merchantSettlements(
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.settlements.mine(ctx, { first, after });
    return mapConnection(page, settlementType);
  }

  @Authorized(Role.MERCHANT)
  @Query(() => [WebhookType], { description: 'Merchants: your webhooks, newest first.' })
  async webhooks(@Ctx() ctx: RequestScope) {
    return (await this.webhookService.endpoints(ctx)).map(webhookType);
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => RegisterWebhookPayload, {
    description:
      'Merchants: receive events at a URL, signed with `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`; the signing secret is shown once.',
  })
  @UseMiddleware(PayloadErrors)
  async registerWebhook(
    @Arg('input', () => RegisterWebhookInput) input: RegisterWebhookInput,
    @Ctx() ctx: RequestScope,
  ) {
    const r = await this.webhookService.register(ctx, input);
    return { webhook: webhookType(r.webhook), signingSecret: r.signingSecret };
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => RemoveWebhookPayload, { description: 'Merchants: stop sending to a webhook.' })
  @UseMiddleware(PayloadErrors)
  async removeWebhook(
    @Arg('input', () => RemoveWebhookInput) input: RemoveWebhookInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { webhook: webhookType(await this.webhookService.remove(ctx, input)) };
  }
}

@Resolver(() => CheckoutType)
export class CheckoutResolver {
  constructor(
    private readonly checkoutService: CheckoutService,
    private readonly refunds: CheckoutRefundService,
    private readonly merchants: MerchantService,
    private readonly plans: InstallmentPlanService,
  ) {}

  @Authorized()
  @Query(() => CheckoutType, {
    nullable: true,
    description:
      'A checkout by id: while OPEN, for anyone signed in holding the id (a payment link); then only its merchant, its shopper and admins. Null otherwise.',
  })
  async checkout(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestScope) {
    const c = await this.checkoutService.get(ctx, id);
    return c ? checkoutType(c) : null;
  }

  @Authorized(Role.MERCHANT)
  @Query(() => CheckoutConnection, { description: 'Merchants: your checkouts, newest first.' })
  async checkouts(
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.checkoutService.mine(ctx, { first, after });
    return mapConnection(page, checkoutType);
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => CreateCheckoutPayload, {
    description:
      'Merchants (token or API key): a checkout of $50.00 to $2,000.00, OPEN for one hour (idempotent).',
  })
  @UseMiddleware(PayloadErrors)
  async createCheckout(
    @Arg('input', () => CreateCheckoutInput) input: CreateCheckoutInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { checkout: checkoutType(await this.checkoutService.create(ctx, input)) };
  }

  @Authorized()
  @Mutation(() => ConfirmCheckoutPayload, {
    description:
      'Shoppers: pay an OPEN checkout with a plan on your credit line (the full amount is drawn; a pay-in-4’s first part is charged at once). Idempotent.',
  })
  @UseMiddleware(PayloadErrors)
  async confirmCheckout(
    @Arg('input', () => ConfirmCheckoutInput) input: ConfirmCheckoutInput,
    @Ctx() ctx: RequestScope,
  ) {
    const r = await this.checkoutService.confirm(ctx, input);
    return { checkout: checkoutType(r.checkout), plan: planType(r.plan) };
  }

  @Authorized(Role.MERCHANT)
  @Mutation(() => RefundCheckoutPayload, {
    description:
      'Merchants: refund all or part of a completed checkout (idempotent; never more than is left). The shopper’s plan shrinks from its last installment; what they already paid beyond that is returned to them.',
  })
  @UseMiddleware(PayloadErrors)
  async refundCheckout(
    @Arg('input', () => RefundCheckoutInput) input: RefundCheckoutInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { checkout: checkoutType(await this.refunds.refund(ctx, input)) };
  }

  @FieldResolver(() => MerchantType, { description: 'Who is asking to be paid.' })
  async merchant(@Root() c: CheckoutType, @Ctx() ctx: RequestScope) {
    return shown(ctx, (await this.merchants.byLocalId(ctx, c.merchantLocalId))!);
  }

  @FieldResolver(() => InstallmentPlanType, {
    nullable: true,
    description:
      'The shopper’s plan for it: for the shopper and admins (null for the merchant and before confirmation).',
  })
  async plan(@Root() c: CheckoutType, @Ctx() ctx: RequestScope) {
    if (!c.planLocalId || !ctx.viewer || !(ctx.viewer.isAdmin || ctx.viewer.userId === c.shopperLocalId))
      return null;
    const plan = await this.plans.planById(ctx, c.planLocalId);
    return plan ? planType(plan) : null;
  }

  @Subscription(() => CheckoutEvent, {
    description: 'A checkout’s changes, live: for its merchant and its shopper. Pass `since` to resume.',
    subscribe: liveSubscribe(EventType.checkoutUpdated, 'checkoutId'),
  })
  async checkoutUpdated(
    @Root() event: LiveEvent,
    @Ctx() ctx: RequestScope,
    @Arg('checkoutId', () => ID, { nullable: true }) _checkoutId?: string,
    @Arg('since', () => String, { nullable: true }) _since?: string,
  ): Promise<CheckoutEvent> {
    const view = await this.checkoutService.loadForEvent(ctx, (event.payload as { id: string }).id);
    return { cursor: event.cursor, checkout: checkoutType(view) };
  }
}

@Resolver(() => WebhookType)
export class WebhookResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @FieldResolver(() => WebhookDeliveryConnection, {
    description: 'What was sent (or is owed) to it, newest first.',
  })
  async deliveries(
    @Root() w: WebhookType,
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.webhooks.deliveries(ctx, w.localId, { first, after });
    return mapConnection(page, deliveryType);
  }
}

@Resolver(() => WebhookDeliveryType)
export class WebhookDeliveryResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @FieldResolver(() => [WebhookAttemptType], {
    description: 'Every attempt, oldest first: when, the status code, how long.',
  })
  async attempts(@Root() d: WebhookDeliveryType, @Ctx() ctx: RequestScope) {
    return (await this.webhooks.attempts(ctx, d.localId)).map(attemptType);
  }
}
