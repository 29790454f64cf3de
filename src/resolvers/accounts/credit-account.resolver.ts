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
import { Role } from '../../entities/identity/user.entity';
import type { RequestScope } from '../../services/common/request-scope';
import {
  CardTransactionConnection,
  CardType,
  CreditAccountType,
  InstallmentPlanType,
  InstallmentType,
  accountType,
  cardType,
  installmentType,
  planType,
  transactionType,
} from '../../schema/accounts/account.types';
import {
  AcceptOfferInput,
  AcceptOfferPayload,
  AuthorizeCardTransactionInput,
  CardInput,
  CardPayload,
  CardTransactionEvent,
  CardTransactionPayload,
  ConvertToInstallmentsInput,
  ConvertToInstallmentsPayload,
  RefundCardTransactionInput,
  RevealCardPayload,
} from '../../schema/accounts/account.inputs';
import { PayloadErrors } from '../../schema/common/payload';
import { PaymentConnection, paymentResultType } from '../../schema/repayments/repayment.types';
import { Money, money } from '../../schema/common/money.type';
import { applicationType } from '../../schema/applications/application.types';
import type { TransactionView } from '../../services/accounts/transaction-view';
import { EventType, type LiveEvent } from '../../subscriptions/common/topics';
import { liveSubscribe } from '../common/live-subscribe';
import { CreditAccountService } from '../../services/accounts/credit-account.service';
import { Clock } from '../../lib/clock';
import { InstallmentPlanService } from '../../services/accounts/installment-plan.service';
import { CardTransactionService } from '../../services/accounts/card-transaction.service';
import { RefundService } from '../../services/accounts/refund.service';
import { RepaymentService } from '../../services/repayments/repayment.service';
import { mapConnection } from '../../services/common/pagination';

@Resolver(() => CreditAccountType)
export class CreditAccountResolver {
  constructor(
    private readonly accounts: CreditAccountService,
    private readonly purchases: CardTransactionService,
    private readonly refunds: RefundService,
    private readonly plans: InstallmentPlanService,
    private readonly repayments: RepaymentService,
    private readonly clock: Clock,
  ) {}

  @Authorized()
  @Mutation(() => AcceptOfferPayload, {
    description:
      'Accept an approved offer: a credit line opens with its card; a loan opens awaiting funding.',
  })
  @UseMiddleware(PayloadErrors)
  async acceptOffer(@Arg('input', () => AcceptOfferInput) input: AcceptOfferInput, @Ctx() ctx: RequestScope) {
    const r = await this.accounts.acceptOffer(ctx, input);
    return {
      application: applicationType(r.application, this.clock.now()),
      account: accountType(r.account),
    };
  }

  @Authorized()
  @Query(() => CreditAccountType, { nullable: true, description: 'An account of yours (admins: anyone’s).' })
  async account(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestScope) {
    const a = await this.accounts.get(ctx, id);
    return a ? accountType(a) : null;
  }

  @FieldResolver(() => Money, { description: 'Principal, interest and fees owed, from the ledger.' })
  async outstandingBalance(@Root() a: CreditAccountType, @Ctx() ctx: RequestScope): Promise<Money> {
    return money(await this.accounts.outstandingBalance(ctx, a.localId));
  }

  @FieldResolver(() => [CardType])
  async cards(@Root() a: CreditAccountType, @Ctx() ctx: RequestScope) {
    return (await this.accounts.cardsOf(ctx, a.localId)).map(cardType);
  }

  @FieldResolver(() => [InstallmentPlanType], {
    description:
      'Repayment plans, oldest first: each approved purchase (INTEREST_FREE_45) until a conversion replaces it by its MONTHLY plan, monthly plans, pay-in-4.',
  })
  async installmentPlans(@Root() a: CreditAccountType, @Ctx() ctx: RequestScope) {
    return (await this.plans.plansOf(ctx, a.localId)).map(planType);
  }

  @FieldResolver(() => CardTransactionConnection, { description: 'Card purchases, newest first.' })
  async transactions(
    @Root() a: CreditAccountType,
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    const page = await this.purchases.page(ctx, a.localId, { first, after });
    return mapConnection(page, transactionType);
  }

  @FieldResolver(() => PaymentConnection, { description: 'Repayments, newest first.' })
  async payments(
    @Root() a: CreditAccountType,
    @Ctx() ctx: RequestScope,
    @Arg('first', () => Int, { nullable: true }) first?: number,
  ) {
    const page = await this.repayments.paymentsOf(ctx, a.localId, { first });
    return mapConnection(page, paymentResultType);
  }

  @Authorized()
  @Mutation(() => RevealCardPayload, {
    description: 'The full card number and CVV, for the owner only. Audited.',
  })
  @UseMiddleware(PayloadErrors)
  async revealCard(@Arg('input', () => CardInput) input: CardInput, @Ctx() ctx: RequestScope) {
    return this.accounts.revealCard(ctx, input.cardId);
  }

  @Authorized()
  @Mutation(() => CardPayload, { description: 'Freeze a card: purchases are declined until it is unfrozen.' })
  @UseMiddleware(PayloadErrors)
  async freezeCard(@Arg('input', () => CardInput) input: CardInput, @Ctx() ctx: RequestScope) {
    return { card: cardType(await this.accounts.freezeCard(ctx, input.cardId)) };
  }

  @Authorized()
  @Mutation(() => CardPayload)
  @UseMiddleware(PayloadErrors)
  async unfreezeCard(@Arg('input', () => CardInput) input: CardInput, @Ctx() ctx: RequestScope) {
    return { card: cardType(await this.accounts.unfreezeCard(ctx, input.cardId)) };
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => CardPayload, { description: 'Admins: close a card for good.' })
  @UseMiddleware(PayloadErrors)
  async closeCard(@Arg('input', () => CardInput) input: CardInput, @Ctx() ctx: RequestScope) {
    return { card: cardType(await this.accounts.closeCard(ctx, input.cardId)) };
  }

  @Authorized()
  @Mutation(() => CardTransactionPayload, {
    description:
      'A purchase on your card. Approved if the card is active and credit covers it; otherwise stored as declined.',
  })
  @UseMiddleware(PayloadErrors)
  async authorizeCardTransaction(
    @Arg('input', () => AuthorizeCardTransactionInput) input: AuthorizeCardTransactionInput,
    @Ctx() ctx: RequestScope,
  ) {
    const r = await this.purchases.authorize(ctx, input);
    return { transaction: transactionType(r.transaction), account: accountType(r.account) };
  }

  @Authorized()
  @Mutation(() => CardTransactionPayload, { description: 'Refund all or part of an approved purchase.' })
  @UseMiddleware(PayloadErrors)
  async refundCardTransaction(
    @Arg('input', () => RefundCardTransactionInput) input: RefundCardTransactionInput,
    @Ctx() ctx: RequestScope,
  ) {
    const r = await this.refunds.refund(ctx, input);
    return { transaction: transactionType(r.transaction), account: accountType(r.account) };
  }

  @Authorized()
  @Mutation(() => ConvertToInstallmentsPayload, {
    description: 'Split a purchase, before its 45 days are over, into 3, 6 or 12 monthly payments.',
  })
  @UseMiddleware(PayloadErrors)
  async convertToInstallments(
    @Arg('input', () => ConvertToInstallmentsInput) input: ConvertToInstallmentsInput,
    @Ctx() ctx: RequestScope,
  ) {
    return { plan: planType(await this.plans.convertToInstallments(ctx, input)) };
  }

  @Subscription(() => CardTransactionEvent, {
    description: 'Your card transactions, live (one card with `cardId`). Pass `since` to resume.',
    subscribe: liveSubscribe(EventType.cardTransactionPosted, 'cardId'),
  })
  cardTransactionPosted(
    @Root() event: LiveEvent,
    @Arg('cardId', () => ID, { nullable: true }) _cardId?: string,
    @Arg('since', () => String, { nullable: true }) _since?: string,
  ): CardTransactionEvent {
    return {
      cursor: event.cursor,
      transaction: transactionType(event.payload as unknown as TransactionView),
    };
  }
}

@Resolver(() => InstallmentPlanType)
export class InstallmentPlanResolver {
  constructor(private readonly plans: InstallmentPlanService) {}

  @FieldResolver(() => [InstallmentType])
  async installments(@Root() p: InstallmentPlanType, @Ctx() ctx: RequestScope) {
    return (await this.plans.installmentsOf(ctx, p.localId)).map(installmentType);
  }
}
