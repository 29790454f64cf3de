import { addDays } from '../../domain/common/calendar';
import { INTEREST_FREE_DAYS } from '../../domain/common/amortization';
import { payoffAmount, type Allocation } from '../../domain/repayments/allocation';
import {
  refundCreditPosting,
  refundPosting,
  rewardsClawbackPosting,
  type ReceivableParts,
} from '../../domain/ledger/ledger';
import { formatMoney } from '../../domain/common/money';
import { pointsToReverse } from '../../domain/rewards/rewards';
import { CardTransaction, CreditAccount, Payment } from '../../entities';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import {
  MerchantCategory,
  TransactionKind,
  TransactionStatus,
} from '../../entities/accounts/card-transaction.entity';
import { InstallmentStatus, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode } from '../../lib/errors';
import { toGlobalId } from '../../lib/global-id';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { EventType } from '../../subscriptions/common/topics';
import { CARD_TYPE } from './credit-account.service';
import { owedFrom, type PaymentApplicationService } from '../repayments/payment-application.service';
import type { Clock } from '../../lib/clock';
import type { AuditService } from '../common/audit.service';
import type { NotificationService } from '../notifications/notification.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { RewardPointsService } from '../rewards/reward-points.service';
import type { PayoutService } from '../repayments/payout.service';
import { MAX_MERCHANT } from './card-transaction.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import type { AccountClosureService } from './account-closure.service';
import type { InstallmentPlanService, InterestFreeBill } from './installment-plan.service';
import { findOwnTransaction, lockAccountThenTransaction } from './own-transaction';
import { accountView, type AccountView } from './account-view';
import {
  announceTransaction,
  TRANSACTION_TYPE,
  transactionView,
  type TransactionView,
} from './transaction-view';

/** Refused unless an approved purchase, not converted, with at least `amount` left to refund. */
function checkRefundable(t: CardTransaction, amount: number): void {
  if (t.status !== TransactionStatus.APPROVED || t.kind !== TransactionKind.PURCHASE) {
    throw new DomainError(
      UserErrorCode.INVALID_STATE,
      t.kind !== TransactionKind.PURCHASE
        ? 'Only a card purchase can be refunded.'
        : `A ${t.status.toLowerCase()} transaction cannot be refunded.`,
      ['input', 'transactionId'],
    );
  }
  if (t.planId) {
    throw new DomainError(UserErrorCode.INVALID_STATE, 'This purchase was converted into installments.', [
      'input',
      'transactionId',
    ]);
  }
  const left = Number(t.amount) - Number(t.refunded);
  if (amount > left) {
    throw new DomainError(
      UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
      `At most ${formatMoney(left)} can still be refunded.`,
      ['input', 'amount'],
    );
  }
}

/**
 * Refunds of purchases (SPEC section 6): what is still owed of the purchase is cancelled;
 * what the owner had paid pays the rest of the account's debt and the remainder is returned
 * through the gateway after the commit; points go back, and points already redeemed are
 * charged back at their redeemed value.
 */
export class RefundService {
  constructor(
    private readonly clock: Clock,
    private readonly mutations: IdempotentMutations,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly points: RewardPointsService,
    private readonly application: PaymentApplicationService,
    private readonly payouts: PayoutService,
    private readonly plans: InstallmentPlanService,
    private readonly closures: AccountClosureService,
  ) {}

  /**
   * Refunds all or part of an approved purchase. The refund first cancels what is still owed
   * of it; what the owner had already paid of it is returned through the gateway after the
   * commit. Points go back in proportion; points already redeemed are charged back at their
   * redeemed value (SPEC section 6). Locks the account first, then the purchase.
   */
  async refund(
    ctx: RequestScope,
    input: { transactionId: string; amount: number; idempotencyKey: string },
  ): Promise<{ transaction: TransactionView; account: AccountView }> {
    const viewer = requireViewer(ctx);
    if (input.amount <= 0)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'The amount must be more than zero.', [
        'input',
        'amount',
      ]);
    const own = await findOwnTransaction(ctx, viewer, input.transactionId);
    const call = { operation: 'refundCardTransaction', key: input.idempotencyKey, input };
    const { stored, local: returnId } = await this.mutations.run(ctx, call, async (tx) => {
      const { account, t } = await lockAccountThenTransaction(tx, own);
      checkRefundable(t, input.amount);
      const now = this.clock.now();
      const { owed, returned } = await this.cancelOwedPart(tx, t, input.amount, now);
      this.recordRefund(tx, account, t, input.amount, owed, now);
      const chargeBack = await this.takeBackPoints(tx, account, t);
      const credited = await this.creditPaidPart(tx, account, returned, chargeBack);
      // Last, so that no intermediate write shows less than zero: the refund restored at least this much.
      if (chargeBack)
        account.availableCredit = Number(account.availableCredit) - Number(chargeBack.plan.principal);
      announceTransaction(this.notifications, tx, t, 'refunded', input.amount);
      this.audit.record(tx, ctx, {
        action: 'card_transaction.refund',
        objectId: t.id,
        changes: {
          amount: input.amount,
          refunded: t.refunded,
          owed,
          credited,
          returned: returned - credited,
        },
      });
      const returnId =
        returned - credited > 0 ? this.payouts.createReturn(tx, account, returned - credited, t.id) : null;
      await this.closures.closeIfSettled(tx, account, ctx);
      return { stored: { transactionId: t.id }, local: returnId };
    });
    if (returnId) await this.payouts.pay(ctx.em, returnId);
    const em = ctx.em.fork();
    const t = await em.findOneOrFail(CardTransaction, { id: stored.transactionId });
    return {
      transaction: transactionView(t),
      account: accountView(await em.findOneOrFail(CreditAccount, { id: t.accountId })),
    };
  }

  /**
   * Cancels what is still owed of the purchase, up to the refund: its 45-day bill shrinks by
   * that much (and is paid off when nothing is left). Returns that part (`owed`) and the rest
   * (`returned`), which the owner had already paid.
   */
  private async cancelOwedPart(
    tx: Tx,
    t: CardTransaction,
    amount: number,
    now: Date,
  ): Promise<{ owed: number; returned: number }> {
    const bill = await this.plans.interestFreeBill(tx, t.id);
    const unpaid = bill ? Number(bill.installment.principal) - Number(bill.installment.paidPrincipal) : 0;
    const owed = Math.min(amount, Math.max(0, unpaid));
    if (bill && owed > 0) {
      const { plan, installment } = bill;
      installment.principal = Number(installment.principal) - owed;
      plan.principal = Number(plan.principal) - owed;
      if (Number(installment.paid) >= Number(installment.principal) + Number(installment.fee)) {
        installment.status = InstallmentStatus.PAID;
        installment.paidAt = now;
        plan.status = PlanStatus.PAID_OFF;
      }
    }
    return { owed, returned: amount - owed };
  }

  /**
   * Records the refund on the purchase (REFUNDED once refunded in full), gives back the
   * available credit of the cancelled part, and posts the refund to the ledger.
   */
  private recordRefund(
    tx: Tx,
    account: CreditAccount,
    t: CardTransaction,
    amount: number,
    owed: number,
    now: Date,
  ): void {
    t.refunded = Number(t.refunded) + amount;
    if (t.refunded === Number(t.amount)) t.status = TransactionStatus.REFUNDED;
    account.availableCredit = Number(account.availableCredit) + owed;
    account.updatedAt = now;
    this.ledger.post(tx, refundPosting(t.accountId, { owed, returned: amount - owed }), {
      creditAccountId: t.accountId,
      refId: t.id,
    });
  }

  /**
   * Takes back the purchase's points, and the on-time points its 45-day bill earned, in
   * proportion to what is refunded so far; those already redeemed are charged back. Returns
   * that charge's bill, if one was made.
   */
  private async takeBackPoints(
    tx: Tx,
    account: CreditAccount,
    t: CardTransaction,
  ): Promise<InterestFreeBill | null> {
    const reverse = pointsToReverse(t.rewardPoints, Number(t.amount), t.refunded, t.rewardPointsReversed);
    let short = 0;
    if (reverse > 0) {
      t.rewardPointsReversed += reverse;
      short += reverse - (await this.points.takeBack(tx, t.ownerId, reverse, t.id));
    }
    // The 50 points of a 45-day bill paid on time go the same way: the refund returns that money.
    const bill = await this.plans.interestFreeBill(tx, t.id);
    if (bill) {
      const ref = bill.installment.id;
      const onTime = await this.points.onTimePoints(tx, [ref], ref);
      const back = pointsToReverse(onTime.earned, Number(t.amount), t.refunded, onTime.reversed);
      if (back > 0) short += back - (await this.points.takeBack(tx, t.ownerId, back, ref));
    }
    return short > 0 ? this.chargeRedeemedPoints(tx, account, t, short) : null;
  }

  /**
   * What the owner had already paid of a refunded purchase goes first to the charge-back this
   * refund made (so the refund always restores at least what it charges), then to whatever
   * else is owed, like a payment (no points); what is left is sent back to their bank by the
   * caller. Returns how much was applied.
   */
  private async creditPaidPart(
    tx: Tx,
    account: CreditAccount,
    paid: number,
    chargeBack: InterestFreeBill | null,
  ): Promise<number> {
    const today = this.clock.today();
    const now = this.clock.now();
    // Created (and so persisted) only once something is applied; its amount is set at the end.
    let payment: Payment | null = null;
    const asPayment = () =>
      (payment ??= tx.em.create(Payment, {
        accountId: account.id,
        ownerId: account.ownerId,
        amount: 0,
        status: 'SUCCEEDED',
        source: PaymentSource.REFUND,
        createdAt: now,
        settledAt: now,
      }));
    const post = (parts: ReceivableParts) => refundCreditPosting(account.id, parts);
    const allocations: Allocation[] = [];
    let credited = 0;
    if (chargeBack && paid > 0) {
      const first = Math.min(paid, Number(chargeBack.installment.principal));
      const only = owedFrom([chargeBack.plan], [chargeBack.installment]);
      const whole = first === Number(chargeBack.installment.principal);
      allocations.push(
        ...(await this.application.applyToAccount(tx, account, only, first, whole, asPayment(), post, false)),
      );
      credited += first;
    }
    const owed = await this.application.loadOwed(tx.em, account.id);
    const rest = Math.min(paid - credited, payoffAmount(owed.items, today));
    if (rest > 0) {
      const isPayoff = rest === payoffAmount(owed.items, today);
      allocations.push(
        ...(await this.application.applyToAccount(
          tx,
          account,
          owed,
          rest,
          isPayoff,
          asPayment(),
          post,
          false,
        )),
      );
      credited += rest;
    } else {
      this.application.refreshDelinquency(account, owed, today);
    }
    if (payment) {
      const applied: Payment = payment;
      applied.amount = credited;
      this.application.announceApplied(tx, applied, allocations);
    }
    return credited;
  }

  /**
   * Points a refund must take back that were already redeemed: charged to the account at the
   * value they were redeemed for, as their own transaction (due in 45 days, like a purchase)
   * and ledger entry. Points never create credit. The caller takes it off available credit.
   */
  private async chargeRedeemedPoints(
    tx: Tx,
    account: CreditAccount,
    refunded: CardTransaction,
    points: number,
  ): Promise<InterestFreeBill | null> {
    const value = await this.points.clawBack(tx, refunded.ownerId, points);
    if (value <= 0) return null;
    const now = this.clock.now();
    const charge = tx.em.create(CardTransaction, {
      kind: TransactionKind.REWARDS_CLAWBACK,
      cardId: refunded.cardId,
      accountId: account.id,
      ownerId: account.ownerId,
      amount: value,
      status: TransactionStatus.APPROVED,
      merchantName: `Redeemed points taken back (refund from ${refunded.merchantName})`.slice(
        0,
        MAX_MERCHANT,
      ),
      category: MerchantCategory.OTHER,
      dueDate: addDays(this.clock.today(), INTEREST_FREE_DAYS),
      createdAt: now,
    });
    tx.em.persist(charge);
    const bill = this.plans.openInterestFreeBill(tx, charge);
    this.ledger.post(tx, rewardsClawbackPosting(account.id, value), {
      creditAccountId: account.id,
      refId: charge.id,
    });
    tx.emit({
      type: EventType.cardTransactionPosted,
      audience: [charge.ownerId],
      objectId: toGlobalId(CARD_TYPE, charge.cardId),
      payload: transactionView(charge) as unknown as Record<string, unknown>,
    });
    this.notifications.notify(
      tx,
      account.ownerId,
      NotificationKind.REWARDS_CLAWED_BACK,
      'Redeemed points charged back',
      `The refund from ${refunded.merchantName} took back ${points} points you had already redeemed; their value, ${formatMoney(value)}, was added to your balance, due ${charge.dueDate}.`,
      { transactionId: toGlobalId(TRANSACTION_TYPE, charge.id) },
    );
    return bill;
  }
}
