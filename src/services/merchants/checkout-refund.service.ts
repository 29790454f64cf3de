import { LockMode } from '@mikro-orm/core';
import { formatMoney } from '../../domain/common/money';
import {
  checkoutRefundPosting,
  interestPosting,
  redeemedPointsKeptPosting,
} from '../../domain/ledger/ledger';
import { pointsToReverse } from '../../domain/rewards/rewards';
import { shrinkFromLast } from '../../domain/merchants/checkout';
import { Checkout, CheckoutRefund, Installment, InstallmentPlan } from '../../entities';
import { AccountKind, type CreditAccount } from '../../entities/accounts/credit-account.entity';
import { InstallmentStatus, PlanKind, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import { CheckoutStatus } from '../../entities/merchants/merchant.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import type { Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import { DomainError, UserErrorCode } from '../../lib/errors';
import { localId, toGlobalId } from '../../lib/global-id';
import { ACCOUNT_TYPE, lockAccount } from '../accounts/credit-account.service';
import type { AuditService } from '../common/audit.service';
import { checkIdempotencyKey } from '../common/idempotency.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { LedgerService } from '../ledger/ledger.service';
import type { NotificationService } from '../notifications/notification.service';
import type { PaymentApplicationService } from '../repayments/payment-application.service';
import type { PayoutService } from '../repayments/payout.service';
import type { RewardPointsService } from '../rewards/reward-points.service';
import type { AccountClosureService } from '../accounts/account-closure.service';
import { announceCheckout } from './checkout.service';
import { activeMerchant } from './merchant.service';
import { CHECKOUT_TYPE, checkoutView, type CheckoutView } from './merchant-view';
import type { WebhookService } from './webhook.service';

/**
 * A merchant's refunds of a completed checkout (SPEC section 8), all or part, never more than
 * what is left. The refund shrinks the shopper's plan from the last installment backwards
 * (an installment left with no principal loses its unpaid interest too); what the shopper
 * already paid beyond what is left to cancel is returned to them through the gateway after
 * the commit (decided: to the payment method, as a card refund's paid part is, not kept as
 * credit on the line). The line's available credit comes back by what was cancelled.
 * Locks: the account, then the checkout.
 */
export class CheckoutRefundService {
  constructor(
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly mutations: IdempotentMutations,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly application: PaymentApplicationService,
    private readonly payouts: PayoutService,
    private readonly points: RewardPointsService,
    private readonly webhooks: WebhookService,
    private readonly closures: AccountClosureService,
  ) {}

  async refund(
    ctx: RequestScope,
    input: { checkoutId: string; amount: number; idempotencyKey: string },
  ): Promise<CheckoutView> {
    requireViewer(ctx);
    if (input.amount <= 0)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'The amount must be more than zero.', [
        'input',
        'amount',
      ]);
    checkIdempotencyKey(input.idempotencyKey);
    const checkoutId = localId(input.checkoutId, CHECKOUT_TYPE);
    const call = { operation: 'refundCheckout', key: input.idempotencyKey, input: { ...input } };
    const { stored, local: returnId } = await this.mutations.run(ctx, call, async (tx, viewer) => {
      const merchant = await activeMerchant(tx.em, viewer);
      const found = checkoutId
        ? await tx.em.findOne(Checkout, { id: checkoutId, merchantId: merchant.id })
        : null;
      if (!found)
        throw new DomainError(UserErrorCode.NOT_FOUND, 'No such checkout.', ['input', 'checkoutId']);
      if (!found.accountId)
        throw new DomainError(UserErrorCode.INVALID_STATE, 'Only a paid checkout can be refunded.', [
          'input',
          'checkoutId',
        ]);
      const account = await lockAccount(tx, found.accountId);
      const checkout = await tx.em.findOneOrFail(
        Checkout,
        { id: found.id },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const left = Number(checkout.amount) - Number(checkout.refunded);
      if (input.amount > left)
        throw new DomainError(
          UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
          `At most ${formatMoney(left)} can still be refunded.`,
          ['input', 'amount'],
        );
      const shrunk = await this.shrinkPlan(tx, account, checkout, input.amount);
      const { cancelled } = shrunk;
      const kept = await this.takeBackPoints(tx, account, checkout, shrunk.returned);
      const returned = shrunk.returned - kept;
      const today = this.clock.today();
      const now = this.clock.now();
      this.ledger.post(
        tx,
        checkoutRefundPosting(account.id, merchant.id, { cancelled, returned: shrunk.returned }),
        { creditAccountId: account.id, refId: checkout.id },
      );
      if (kept > 0) this.ledger.post(tx, redeemedPointsKeptPosting(kept), { refId: checkout.id });
      checkout.refunded = Number(checkout.refunded) + input.amount;
      if (checkout.refunded === Number(checkout.amount)) checkout.status = CheckoutStatus.REFUNDED;
      checkout.updatedAt = now;
      tx.em.persist(
        tx.em.create(CheckoutRefund, {
          checkoutId: checkout.id,
          merchantId: merchant.id,
          amount: input.amount,
          cancelled,
          returned: shrunk.returned,
          refundedOn: today,
          createdAt: now,
        }),
      );
      await announceCheckout(tx, this.webhooks, checkout, merchant, 'checkout.refunded');
      this.notifications.notify(
        tx,
        account.ownerId,
        NotificationKind.PURCHASE_REFUNDED,
        'Refund received',
        `${merchant.businessName} refunded ${formatMoney(input.amount)}` +
          (returned > 0 ? `; ${formatMoney(returned)} you had already paid is on its way back to you.` : '.'),
        { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
      );
      this.audit.record(tx, ctx, {
        action: 'checkout.refund',
        objectId: checkout.id,
        changes: {
          amount: input.amount,
          refunded: checkout.refunded,
          cancelled,
          returned,
          status: checkout.status,
        },
      });
      const returnId = returned > 0 ? this.payouts.createReturn(tx, account, returned, checkout.id) : null;
      await this.closures.closeIfSettled(tx, account, ctx);
      return { stored: { checkoutId: checkout.id }, local: returnId };
    });
    if (returnId) await this.payouts.pay(ctx.em, returnId);
    return checkoutView(await ctx.em.fork().findOneOrFail(Checkout, { id: stored.checkoutId }));
  }

  /**
   * Cancels up to `amount` of what the shopper still owes on the checkout's plan, last
   * installment first; returns that (`cancelled`) and the rest (`returned`), already paid.
   */
  private async shrinkPlan(
    tx: Tx,
    account: CreditAccount,
    checkout: Checkout,
    amount: number,
  ): Promise<{ cancelled: number; returned: number }> {
    const plan = await tx.em.findOneOrFail(InstallmentPlan, { id: checkout.planId! });
    if (plan.status === PlanStatus.CHARGED_OFF)
      throw new DomainError(UserErrorCode.INVALID_STATE, 'The shopper’s plan was charged off.', [
        'input',
        'checkoutId',
      ]);
    const installments = await tx.em.find(Installment, { planId: plan.id }, { orderBy: { number: 'asc' } });
    const open = plan.status === PlanStatus.ACTIVE;
    const { cuts, excess } = shrinkFromLast(
      installments.map((i) => ({
        principal: open ? Number(i.principal) : 0,
        paidPrincipal: open ? Number(i.paidPrincipal) : 0,
      })),
      amount,
    );
    const now = this.clock.now();
    const cancelled = amount - excess;
    for (const [k, inst] of installments.entries()) {
      if (cuts[k] === 0) continue;
      inst.principal = Number(inst.principal) - cuts[k]!;
      if (Number(inst.principal) === Number(inst.paidPrincipal)) this.waiveInterest(tx, account, plan, inst);
      if (Number(inst.paid) >= Number(inst.principal) + Number(inst.interest) + Number(inst.fee)) {
        inst.status = InstallmentStatus.PAID;
        inst.paidAt ??= now;
      }
    }
    plan.principal = Number(plan.principal) - cancelled;
    if (installments.every((i) => i.status === InstallmentStatus.PAID)) plan.status = PlanStatus.PAID_OFF;
    if (account.kind === AccountKind.CREDIT_LINE)
      account.availableCredit = Number(account.availableCredit) + cancelled;
    account.updatedAt = now;
    await tx.em.flush(); // what is owed, re-read below, includes the cuts
    this.application.refreshDelinquency(
      account,
      await this.application.loadOwed(tx.em, account.id),
      this.clock.today(),
    );
    return { cancelled, returned: excess };
  }

  /**
   * Points are never earned on money that comes back: the on-time points the plan's
   * installments earned are taken back in proportion to the part of what the shopper paid
   * that refunds have returned so far. Points already redeemed are charged at their redeemed
   * value, kept from the money this refund returns (SPEC section 6: the balance never goes
   * below zero). Returns that value.
   */
  private async takeBackPoints(
    tx: Tx,
    account: CreditAccount,
    checkout: Checkout,
    returnedNow: number,
  ): Promise<number> {
    if (returnedNow <= 0) return 0;
    const installments = await tx.em.find(
      Installment,
      { planId: checkout.planId! },
      { fields: ['id', 'paid'] },
    );
    const paid = installments.reduce((sum, i) => sum + Number(i.paid), 0);
    const [row] = (await tx.em
      .getConnection()
      .execute(
        'select coalesce(sum(returned), 0)::bigint as returned from checkout_refund where checkout_id = ?',
        [checkout.id],
        'all',
        tx.em.getTransactionContext(),
      )) as { returned: string }[];
    const onTime = await this.points.onTimePoints(
      tx,
      installments.map((i) => i.id),
      checkout.id,
    );
    const reverse = pointsToReverse(
      onTime.earned,
      paid,
      Number(row!.returned) + returnedNow,
      onTime.reversed,
    );
    if (reverse <= 0) return 0;
    const taken = await this.points.takeBack(tx, account.ownerId, reverse, checkout.id);
    if (taken === reverse) return 0;
    return Math.min(returnedNow, await this.points.clawBack(tx, account.ownerId, reverse - taken));
  }

  /** An installment with no principal left owes no interest: what is unpaid of it is dropped (and its income reversed). */
  private waiveInterest(tx: Tx, account: CreditAccount, plan: InstallmentPlan, inst: Installment): void {
    const waived = Number(inst.interest) - Number(inst.paidInterest);
    if (waived <= 0) return;
    if (inst.interestRecognized && plan.kind === PlanKind.MONTHLY)
      this.ledger.post(tx, interestPosting(account.id, -waived), {
        creditAccountId: account.id,
        refId: inst.id,
      });
    inst.interest = Number(inst.paidInterest);
  }
}
