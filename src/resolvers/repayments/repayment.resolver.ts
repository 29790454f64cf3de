import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  UseMiddleware,
} from 'type-graphql';
import { Role } from '../../entities/identity/user.entity';
import type { RequestScope } from '../../services/common/request-scope';
import { accountType } from '../../schema/accounts/account.types';
import {
  AdvanceSandboxClockInput,
  AdvanceSandboxClockPayload,
  MakePaymentInput,
  MakePaymentPayload,
  PaymentEvent,
  RequestDisbursementInput,
  RequestDisbursementPayload,
  SandboxClock,
  PaymentAllocationType,
  PaymentResultType,
  allocationType,
  disbursementType,
  paymentResultType,
} from '../../schema/repayments/repayment.types';
import { Money, money } from '../../schema/common/money.type';
import { PayloadErrors } from '../../schema/common/payload';
import { EventType, type LiveEvent } from '../../subscriptions/common/topics';
import { liveSubscribe } from '../common/live-subscribe';
import type { PaymentSummaryView } from '../../services/repayments/payment-view';
import { PayoutService } from '../../services/repayments/payout.service';
import { RepaymentService } from '../../services/repayments/repayment.service';
import { SandboxService } from '../../services/servicing/sandbox.service';

@Resolver(() => PaymentResultType)
export class RepaymentResolver {
  constructor(
    private readonly repayments: RepaymentService,
    private readonly payouts: PayoutService,
    private readonly sandbox: SandboxService,
  ) {}

  @FieldResolver(() => [PaymentAllocationType], {
    description: 'Where the payment went (empty for a failed one).',
  })
  async allocations(
    @Root() p: PaymentResultType,
    @Ctx() ctx: RequestScope,
  ): Promise<PaymentAllocationType[]> {
    if (p.allocations) return p.allocations;
    return (await this.repayments.allocationsOf(ctx, p.localId)).map(allocationType);
  }

  @Authorized()
  @Mutation(() => RequestDisbursementPayload, {
    description:
      'Pay out a loan awaiting disbursement, or draw cash from a credit line (`amount`, `termMonths`): money to your bank through the payment provider; its schedule starts the day it is paid.',
  })
  @UseMiddleware(PayloadErrors)
  async requestDisbursement(
    @Arg('input', () => RequestDisbursementInput) input: RequestDisbursementInput,
    @Ctx() ctx: RequestScope,
  ) {
    const r = await this.payouts.requestDisbursement(ctx, input);
    return { account: accountType(r.account), disbursement: disbursementType(r.disbursement) };
  }

  @Authorized()
  @Mutation(() => MakePaymentPayload, {
    description:
      'Repay through the payment provider: due installments first, then the next ones, the rest prepays principal.',
  })
  @UseMiddleware(PayloadErrors)
  async makePayment(@Arg('input', () => MakePaymentInput) input: MakePaymentInput, @Ctx() ctx: RequestScope) {
    const r = await this.repayments.makePayment(ctx, input);
    return { payment: paymentResultType(r.payment), account: accountType(r.account) };
  }

  @Authorized()
  @Query(() => Money, {
    nullable: true,
    description: 'The exact amount that closes the account today (no future interest).',
  })
  async payoffQuote(@Arg('accountId', () => ID) accountId: string, @Ctx() ctx: RequestScope) {
    const q = await this.repayments.payoffQuote(ctx, accountId);
    return q === null ? null : money(q);
  }

  @Authorized()
  @Query(() => SandboxClock, { description: 'Business time (moves in the sandbox).' })
  sandboxClock(@Ctx() ctx: RequestScope): SandboxClock {
    return this.sandbox.now(ctx);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => AdvanceSandboxClockPayload, {
    description: 'Admins, sandbox only: move the clock forward, running the daily job for each day.',
  })
  @UseMiddleware(PayloadErrors)
  async advanceSandboxClock(
    @Arg('input', () => AdvanceSandboxClockInput) input: AdvanceSandboxClockInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { clock: await this.sandbox.advance(ctx, input.days) };
  }

  @Subscription(() => PaymentEvent, {
    description: 'Your payments, live (one account with `accountId`). Pass `since` to resume.',
    subscribe: liveSubscribe(EventType.paymentPosted, 'accountId'),
  })
  paymentPosted(
    @Root() event: LiveEvent,
    @Arg('accountId', () => ID, { nullable: true }) _accountId?: string,
    @Arg('since', () => String, { nullable: true }) _since?: string,
  ): PaymentEvent {
    const p = event.payload as unknown as Omit<PaymentSummaryView, 'source'> & { source?: string };
    return { cursor: event.cursor, payment: paymentResultType({ ...p, source: p.source ?? 'GATEWAY' }) };
  }
}
