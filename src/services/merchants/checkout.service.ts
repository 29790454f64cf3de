import { LockMode } from '@mikro-orm/core';
import { payIn4Schedule } from '../../domain/common/amortization';
import { formatMoney } from '../../domain/common/money';
import { checkoutPosting } from '../../domain/ledger/ledger';
import { CHECKOUT_MAX, CHECKOUT_MIN, CHECKOUT_OPEN_MS, planMonths } from '../../domain/merchants/checkout';
import { Checkout, CreditAccount, Installment, InstallmentPlan, Merchant, Payment } from '../../entities';
import { AccountKind, AccountStatus } from '../../entities/accounts/credit-account.entity';
import { PlanKind, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import { CheckoutPlan, CheckoutStatus, MerchantStatus } from '../../entities/merchants/merchant.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Transactions, Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import { DomainError, FieldErrors, UserErrorCode } from '../../lib/errors';
import { localId, toGlobalId } from '../../lib/global-id';
import { EventType } from '../../subscriptions/common/topics';
import { ACCOUNT_TYPE } from '../accounts/credit-account.service';
import { planView, type PlanView } from '../accounts/account-view';
import type { InstallmentPlanService } from '../accounts/installment-plan.service';
import type { AuditService } from '../common/audit.service';
import { checkIdempotencyKey } from '../common/idempotency.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import { findPage, mapConnection, type Connection } from '../common/pagination';
import { requireViewer, type RequestScope, type Viewer } from '../common/request-scope';
import type { LedgerService } from '../ledger/ledger.service';
import type { NotificationService } from '../notifications/notification.service';
import type { RepaymentService } from '../repayments/repayment.service';
import { activeMerchant } from './merchant.service';
import { CHECKOUT_TYPE, checkoutData, checkoutView, type CheckoutView } from './merchant-view';
import type { WebhookService } from './webhook.service';

const MAX_TEXT = 200;
const MAX_DESCRIPTION = 1000;

/** A checkout's change, live (`checkoutUpdated`) for its merchant and its shopper, and owed as a webhook. */
export async function announceCheckout(
  tx: Tx,
  webhooks: WebhookService,
  checkout: Checkout,
  merchant: Pick<Merchant, 'id' | 'userId' | 'businessName'>,
  webhook: string | null,
): Promise<void> {
  const view = checkoutView(checkout);
  tx.emit({
    type: EventType.checkoutUpdated,
    audience: [merchant.userId, ...(checkout.shopperId ? [checkout.shopperId] : [])],
    objectId: toGlobalId(CHECKOUT_TYPE, checkout.id),
    payload: { id: checkout.id },
  });
  if (webhook) await webhooks.enqueue(tx, merchant.id, webhook, checkoutData(view, merchant));
}

/**
 * Checkouts (SPEC section 8): a merchant asks to be paid (open one hour, a payment link);
 * a shopper confirms with a plan on their credit line, drawn under the same guard as card
 * purchases (`available_credit >= amount`, the CHECK behind it), and a pay-in-4's first
 * part is charged at once through the gateway as an autopay payment on that plan. The
 * lock order is the money paths' own: the account, then the checkout.
 */
export class CheckoutService {
  constructor(
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly mutations: IdempotentMutations,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly plans: InstallmentPlanService,
    private readonly repayments: RepaymentService,
    private readonly webhooks: WebhookService,
  ) {}

  /** A merchant's new checkout, OPEN for one hour (idempotent per merchant and key). */
  async create(
    ctx: RequestScope,
    input: { amount: number; orderReference: string; description?: string | null; idempotencyKey: string },
  ): Promise<CheckoutView> {
    requireViewer(ctx);
    const errors = new FieldErrors();
    if (input.amount < CHECKOUT_MIN || input.amount > CHECKOUT_MAX)
      errors.add(
        ['input', 'amount'],
        `A checkout is ${formatMoney(CHECKOUT_MIN)} to ${formatMoney(CHECKOUT_MAX)}.`,
      );
    const reference = input.orderReference.trim();
    if (!reference || reference.length > MAX_TEXT)
      errors.add(['input', 'orderReference'], `Give the order reference (1 to ${MAX_TEXT} characters).`);
    if (input.description && input.description.length > MAX_DESCRIPTION)
      errors.add(['input', 'description'], `Use at most ${MAX_DESCRIPTION} characters.`);
    errors.throwIfAny();
    checkIdempotencyKey(input.idempotencyKey);
    const call = { operation: 'createCheckout', key: input.idempotencyKey, input: { ...input } };
    const { stored } = await this.mutations.run(ctx, call, async (tx, viewer) => {
      const merchant = await activeMerchant(tx.em, viewer);
      const now = this.clock.now();
      const checkout = tx.em.create(Checkout, {
        merchantId: merchant.id,
        amount: input.amount,
        status: CheckoutStatus.OPEN,
        orderReference: reference,
        description: input.description?.trim() || null,
        expiresAt: new Date(now.getTime() + CHECKOUT_OPEN_MS),
        createdAt: now,
        updatedAt: now,
      });
      tx.em.persist(checkout);
      this.audit.record(tx, ctx, {
        action: 'checkout.create',
        objectId: checkout.id,
        changes: { amount: input.amount }, // not the order reference: merchant free text, may name the shopper
      });
      return { stored: { checkoutId: checkout.id } };
    });
    return this.view(await ctx.em.fork().findOneOrFail(Checkout, { id: stored.checkoutId }));
  }

  /**
   * One checkout: while OPEN (and not past its hour), anyone signed in who holds the id (a
   * payment link; an API key only its own merchant's); afterwards only its merchant, its
   * shopper and admins. Null for anyone else, as for an id that does not exist.
   */
  async get(ctx: RequestScope, globalId: string): Promise<CheckoutView | null> {
    const viewer = requireViewer(ctx);
    const id = localId(globalId, CHECKOUT_TYPE);
    const c = id ? await ctx.em.findOne(Checkout, { id }) : null;
    if (!c) return null;
    return (await this.maySee(ctx, viewer, c)) ? this.view(c) : null;
  }

  /** As shown: an OPEN checkout past its hour is EXPIRED from that instant (the sweep marks it soon after). */
  private view(c: Checkout): CheckoutView {
    const v = checkoutView(c);
    if (v.status === CheckoutStatus.OPEN && v.expiresAt <= this.clock.now())
      v.status = CheckoutStatus.EXPIRED;
    return v;
  }

  private async maySee(ctx: RequestScope, viewer: Viewer, c: Checkout): Promise<boolean> {
    if (viewer.isAdmin || c.shopperId === viewer.userId) return true;
    const merchant = await ctx.em.findOne(Merchant, { id: c.merchantId });
    if (merchant?.userId === viewer.userId) return true;
    const payable = c.status === CheckoutStatus.OPEN && c.expiresAt > this.clock.now();
    return payable && !viewer.apiKeyId && merchant?.status === MerchantStatus.ACTIVE;
  }

  /** A merchant's checkouts, newest first. */
  async mine(
    ctx: RequestScope,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<CheckoutView>> {
    const viewer = requireViewer(ctx);
    const merchant = await ctx.em.findOne(Merchant, { userId: viewer.userId });
    const where = merchant ? { merchantId: merchant.id } : { id: null };
    return mapConnection(await findPage(ctx.em, Checkout, where, args), (c) => this.view(c));
  }

  /** The checkout an event names, as it is now (the stream already checked the audience). */
  async loadForEvent(ctx: RequestScope, id: string): Promise<CheckoutView> {
    return this.view(await ctx.em.findOneOrFail(Checkout, { id }));
  }

  /**
   * The shopper confirms with a plan: the full amount drawn on their credit line (never
   * overspending), the plan created, the checkout COMPLETED, the merchant's payable posted;
   * a pay-in-4's first part is charged through the gateway after the commit. Idempotent.
   */
  async confirm(
    ctx: RequestScope,
    input: { checkoutId: string; plan: string; accountId?: string | null; idempotencyKey: string },
  ): Promise<{ checkout: CheckoutView; plan: PlanView }> {
    requireViewer(ctx);
    const checkoutId = localId(input.checkoutId, CHECKOUT_TYPE);
    const notFound = () =>
      new DomainError(UserErrorCode.NOT_FOUND, 'No such checkout.', ['input', 'checkoutId']);
    if (!checkoutId) throw notFound();
    checkIdempotencyKey(input.idempotencyKey);
    const call = { operation: 'confirmCheckout', key: input.idempotencyKey, input: { ...input } };
    const { stored } = await this.mutations.run(ctx, call, async (tx, viewer) => {
      const account = await this.shopperLine(tx, viewer, input.accountId);
      const checkout = await tx.em.findOne(
        Checkout,
        { id: checkoutId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!checkout) throw notFound();
      const merchant = await tx.em.findOneOrFail(Merchant, { id: checkout.merchantId });
      const now = this.clock.now();
      this.checkConfirmable(checkout, merchant, viewer, now);
      await this.drawOnLine(tx, account, checkout);
      const { plan, installments } = this.openPlan(tx, account, checkout, input.plan);
      this.ledger.post(tx, checkoutPosting(account.id, merchant.id, Number(checkout.amount)), {
        creditAccountId: account.id,
        refId: checkout.id,
      });
      Object.assign(checkout, {
        status: CheckoutStatus.COMPLETED,
        shopperId: viewer.userId,
        accountId: account.id,
        planId: plan.id,
        plan: input.plan,
        completedAt: now,
        completedOn: this.clock.today(),
        updatedAt: now,
      });
      const payment =
        plan.kind === PlanKind.PAY_IN_4 ? this.chargeFirstPart(tx, account, plan, installments[0]!) : null;
      await announceCheckout(tx, this.webhooks, checkout, merchant, 'checkout.completed');
      this.notifications.notify(
        tx,
        viewer.userId,
        NotificationKind.PLAN_CREATED,
        'Purchase confirmed',
        `${merchant.businessName} ${formatMoney(Number(checkout.amount))} on your credit line: ${describePlan(input.plan, installments)}.`,
        { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
      );
      this.audit.record(tx, ctx, {
        action: 'checkout.confirm',
        objectId: checkout.id,
        changes: { status: ['OPEN', 'COMPLETED'], plan: input.plan, accountId: account.id, planId: plan.id },
      });
      return { stored: { checkoutId: checkout.id, planId: plan.id, paymentId: payment?.id ?? null } };
    });
    if (stored.paymentId) await this.repayments.collect(ctx.em, stored.paymentId);
    const em = ctx.em.fork();
    return {
      checkout: checkoutView(await em.findOneOrFail(Checkout, { id: stored.checkoutId })),
      plan: planView(await em.findOneOrFail(InstallmentPlan, { id: stored.planId })),
    };
  }

  /**
   * Open checkouts past their hour become EXPIRED (the daily job, and a sweep every minute so
   * merchants hear of it soon), each announced and owed as `checkout.expired`. Confirming one
   * was refused from the instant it lapsed. Rows a confirmation holds are skipped (it decides).
   */
  async expire(em: EntityManager, asOf: Date): Promise<number> {
    return this.tx.run(em.fork(), async (tx) => {
      const stale = await tx.em.find(
        Checkout,
        { status: CheckoutStatus.OPEN, expiresAt: { $lte: asOf } },
        { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, limit: 500, orderBy: { expiresAt: 'asc' } },
      );
      if (!stale.length) return 0;
      const ids = [...new Set(stale.map((c) => c.merchantId))];
      const merchants = new Map((await tx.em.find(Merchant, { id: { $in: ids } })).map((m) => [m.id, m]));
      for (const c of stale) {
        c.status = CheckoutStatus.EXPIRED;
        c.updatedAt = asOf;
        await announceCheckout(tx, this.webhooks, c, merchants.get(c.merchantId)!, 'checkout.expired');
        this.audit.record(tx, null, {
          action: 'checkout.expire',
          objectId: c.id,
          changes: { status: ['OPEN', 'EXPIRED'] },
        });
      }
      return stale.length;
    });
  }

  /** The shopper's active credit line to draw on, locked: the one named, or their only one. */
  private async shopperLine(tx: Tx, viewer: Viewer, accountGlobalId?: string | null): Promise<CreditAccount> {
    const field = ['input', 'accountId'];
    let id: string | null;
    if (accountGlobalId) {
      id = localId(accountGlobalId, ACCOUNT_TYPE);
    } else {
      const lines = await tx.em.find(
        CreditAccount,
        {
          ownerId: viewer.userId,
          kind: AccountKind.CREDIT_LINE,
          status: AccountStatus.ACTIVE,
          closureRequestedAt: null, // a line being closed takes no new purchases
        },
        { fields: ['id'] },
      );
      if (lines.length === 0)
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          'You need an active credit line to pay later.',
          field,
        );
      if (lines.length > 1)
        throw new DomainError(
          UserErrorCode.INVALID_INPUT,
          'You have several credit lines: choose one.',
          field,
        );
      id = lines[0]!.id;
    }
    const account = id
      ? await tx.em.findOne(CreditAccount, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE })
      : null;
    if (!account || account.ownerId !== viewer.userId)
      throw new DomainError(UserErrorCode.NOT_FOUND, 'No such account.', field);
    if (account.kind !== AccountKind.CREDIT_LINE || account.status !== AccountStatus.ACTIVE)
      throw new DomainError(UserErrorCode.INVALID_STATE, 'Pay later with an active credit line.', field);
    if (account.closureRequestedAt)
      throw new DomainError(
        UserErrorCode.INVALID_STATE,
        'This credit line is being closed at your request: it takes no new purchases.',
        field,
      );
    return account;
  }

  private checkConfirmable(checkout: Checkout, merchant: Merchant, viewer: Viewer, now: Date): void {
    const field = ['input', 'checkoutId'];
    if (merchant.userId === viewer.userId)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'A merchant cannot pay its own checkout.', field);
    if (merchant.status !== MerchantStatus.ACTIVE)
      throw new DomainError(UserErrorCode.INVALID_STATE, 'This merchant is not taking payments.', field);
    if (
      checkout.status === CheckoutStatus.EXPIRED ||
      (checkout.status === CheckoutStatus.OPEN && checkout.expiresAt <= now)
    )
      throw new DomainError(UserErrorCode.CHECKOUT_EXPIRED, 'This checkout expired.', field);
    if (checkout.status !== CheckoutStatus.OPEN) {
      // Once paid, only its merchant (refused above), its shopper and admins see it: anyone
      // else is answered as for a checkout that does not exist (SPEC sections 2 and 8).
      if (checkout.shopperId !== viewer.userId && !viewer.isAdmin)
        throw new DomainError(UserErrorCode.NOT_FOUND, 'No such checkout.', field);
      throw new DomainError(UserErrorCode.INVALID_STATE, 'This checkout was already paid.', field);
    }
  }

  /** The card purchases' guard: one UPDATE that takes the amount only if the credit covers it. */
  private async drawOnLine(tx: Tx, account: CreditAccount, checkout: Checkout): Promise<void> {
    const amount = Number(checkout.amount);
    if (Number(account.availableCredit) < amount)
      throw new DomainError(
        UserErrorCode.INSUFFICIENT_CREDIT,
        `Your available credit is ${formatMoney(Number(account.availableCredit))}.`,
        ['input', 'accountId'],
      );
    account.availableCredit = Number(account.availableCredit) - amount;
    account.updatedAt = this.clock.now();
  }

  /** The plan of the checkout: pay-in-4 (0%, every 14 days, cent remainder first) or monthly at the line's APR. */
  private openPlan(
    tx: Tx,
    account: CreditAccount,
    checkout: Checkout,
    kind: string,
  ): { plan: InstallmentPlan; installments: Installment[] } {
    const today = this.clock.today();
    const amount = Number(checkout.amount);
    const months = planMonths(kind);
    if (months !== null) {
      const plan = this.plans.createMonthlyPlan(tx, account, amount, account.aprBp, months, today, null);
      plan.checkoutId = checkout.id;
      return { plan, installments: [] };
    }
    if (kind !== CheckoutPlan.PAY_IN_4) throw new Error(`unknown plan ${kind}`);
    const plan = tx.em.create(InstallmentPlan, {
      accountId: account.id,
      ownerId: account.ownerId,
      kind: PlanKind.PAY_IN_4,
      status: PlanStatus.ACTIVE,
      aprBp: 0,
      principal: amount,
      startDate: today,
      checkoutId: checkout.id,
      createdAt: this.clock.now(),
    });
    tx.em.persist(plan);
    const installments = payIn4Schedule(amount, today).map((s) =>
      tx.em.create(Installment, {
        planId: plan.id,
        number: s.number,
        dueDate: s.dueDate,
        principal: s.principal,
        interest: 0,
        interestRecognized: true,
      }),
    );
    for (const i of installments) tx.em.persist(i);
    return { plan, installments };
  }

  /** The first pay-in-4 part, committed PENDING as today's autopay attempt; charged after the commit. */
  private chargeFirstPart(
    tx: Tx,
    account: CreditAccount,
    plan: InstallmentPlan,
    first: Installment,
  ): Payment {
    const payment = tx.em.create(Payment, {
      accountId: account.id,
      ownerId: account.ownerId,
      amount: Number(first.principal),
      status: 'PENDING',
      source: PaymentSource.AUTOPAY,
      planId: plan.id,
      installmentId: first.id,
      autopayOn: this.clock.today(),
      createdAt: this.clock.now(),
      attemptedAt: new Date(),
    });
    tx.em.persist(payment);
    return payment;
  }
}

function describePlan(kind: string, installments: Installment[]): string {
  if (kind === CheckoutPlan.PAY_IN_4)
    return `4 payments, ${installments.map((i) => formatMoney(Number(i.principal))).join(' + ')}, the first today`;
  return `${planMonths(kind)} monthly payments`;
}
