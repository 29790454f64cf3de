import { LockMode } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import { addDays } from '../../domain/common/calendar';
import { monthlySchedule, INTEREST_FREE_DAYS } from '../../domain/common/amortization';
import { payoffAmount, type Allocation } from '../../domain/repayments/allocation';
import {
  purchasePosting,
  refundCreditPosting,
  refundPosting,
  rewardsClawbackPosting,
  type ReceivableParts,
} from '../../domain/ledger/ledger';
import { formatCents } from '../../domain/common/money';
import { pointsToReverse, purchasePoints } from '../../domain/rewards/rewards';
import { Card, CardTransaction, CreditAccount, Installment, InstallmentPlan, Payment } from '../../entities';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { CardStatus } from '../../entities/accounts/card.entity';
import {
  DeclineReason,
  MerchantCategory,
  TransactionKind,
  TransactionStatus,
} from '../../entities/accounts/card-transaction.entity';
import { InstallmentStatus, PlanKind, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { RewardReason } from '../../entities/rewards/rewards.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, FieldErrors, UserErrorCode } from '../../lib/errors';
import { localId, toGlobalId } from '../../lib/global-id';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../schema/common/connection';
import { requireViewer, type RequestContext } from '../../server/context';
import { EventType } from '../../subscriptions/common/topics';
import type { Services } from '..';
import { CARD_TYPE } from './credit-account.service';
import { owedFrom } from '../repayments/repayment.service';

export const TRANSACTION_TYPE = 'CardTransaction';

/** A purchase's (or charge's) INTEREST_FREE_45 plan and its one installment. */
export interface InterestFreeBill {
  plan: InstallmentPlan;
  installment: Installment;
}
export const PLAN_TYPE = 'InstallmentPlan';
const CONVERSION_MONTHS = new Set([3, 6, 12]);
const MAX_MERCHANT = 200;

export interface AuthorizeInput {
  cardId: string;
  amount: number;
  merchantName: string;
  category: string;
  idempotencyKey: string;
}

/** A transaction as clients see it; JSON-safe, also the payload of `cardTransactionPosted`. */
export interface TransactionView {
  id: string;
  kind: string;
  cardId: string;
  accountId: string;
  status: string;
  amount: number;
  refunded: number;
  merchantName: string;
  category: string;
  declineReason: string | null;
  rewardPoints: number;
  dueDate: string | null;
  planId: string | null;
  createdAt: string;
}

export const transactionView = (t: CardTransaction): TransactionView => ({
  id: t.id,
  kind: t.kind,
  cardId: t.cardId,
  accountId: t.accountId,
  status: t.status,
  amount: Number(t.amount),
  refunded: Number(t.refunded),
  merchantName: t.merchantName,
  category: t.category,
  declineReason: t.declineReason,
  rewardPoints: t.rewardPoints - t.rewardPointsReversed,
  dueDate: t.dueDate,
  planId: t.planId,
  createdAt: (t.createdAt instanceof Date ? t.createdAt : new Date(t.createdAt)).toISOString(),
});

const money = (c: number) => `$${formatCents(c)}`;

/**
 * Card purchases, refunds and conversion into installments. Available credit moves with
 * one guarded UPDATE (`available_credit >= amount`), so concurrent purchases on one account
 * serialise on its row and can never overspend; the database's check constraint backs it.
 */
export class CardTransactionService {
  constructor(private readonly s: Services) {}

  async authorize(
    ctx: RequestContext,
    input: AuthorizeInput,
  ): Promise<{ transaction: TransactionView; account: CreditAccount }> {
    const viewer = requireViewer(ctx);
    const errors = new FieldErrors();
    if (input.amount <= 0) errors.add(['input', 'amount'], 'The amount must be more than zero.');
    const merchant = input.merchantName.trim();
    if (!merchant) errors.add(['input', 'merchantName'], 'Name the merchant.');
    if (input.merchantName.length > MAX_MERCHANT)
      errors.add(['input', 'merchantName'], `Use at most ${MAX_MERCHANT} characters.`);
    errors.throwIfAny();
    const cardId = localId(input.cardId, CARD_TYPE);
    const notFound = () => new DomainError(UserErrorCode.NOT_FOUND, 'No such card.', ['input', 'cardId']);
    if (!cardId) throw notFound();

    const outcome = await this.s.tx.run(ctx.em, async (tx) => {
      const claim = await this.s.idempotency.claim<{ transactionId: string }>(
        tx,
        viewer.userId,
        input.idempotencyKey,
        'authorizeCardTransaction',
        {
          ...input,
        },
      );
      if (claim.replay) return { replay: claim.result.transactionId };
      const card = await tx.em.findOne(Card, { id: cardId });
      if (!card || card.ownerId !== viewer.userId) throw notFound();
      const now = this.s.clock.now();
      const today = this.s.clock.today();
      let decline: DeclineReason | null =
        card.status === CardStatus.FROZEN
          ? DeclineReason.CARD_FROZEN
          : card.status === CardStatus.CLOSED
            ? DeclineReason.CARD_CLOSED
            : card.expiryYear * 12 + card.expiryMonth < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1
              ? DeclineReason.CARD_EXPIRED
              : null;
      if (!decline) {
        const updated = await tx.em.getConnection().execute(
          `update credit_account set available_credit = available_credit - ?, updated_at = ?
            where id = ? and status = ? and available_credit >= ? returning id`,
          [input.amount, now, card.accountId, AccountStatus.ACTIVE, input.amount],
          'all',
          tx.em.getTransactionContext(),
        );
        if (updated.length === 0) {
          const account = await tx.em.findOneOrFail(CreditAccount, { id: card.accountId });
          decline =
            account.status !== AccountStatus.ACTIVE
              ? DeclineReason.ACCOUNT_NOT_ACTIVE
              : DeclineReason.INSUFFICIENT_CREDIT;
        }
      }
      const approved = decline === null;
      const points = approved ? purchasePoints(input.amount, input.category) : 0;
      const t = tx.em.create(CardTransaction, {
        cardId: card.id,
        accountId: card.accountId,
        ownerId: card.ownerId,
        amount: input.amount,
        status: approved ? TransactionStatus.APPROVED : TransactionStatus.DECLINED,
        merchantName: merchant,
        category: input.category,
        declineReason: decline,
        rewardPoints: points,
        dueDate: approved ? addDays(today, INTEREST_FREE_DAYS) : null,
        createdAt: now,
      });
      tx.em.persist(t);
      if (approved) {
        this.openInterestFreeBill(tx, t);
        this.s.ledger.post(tx, purchasePosting(card.accountId, input.amount), {
          creditAccountId: card.accountId,
          refId: t.id,
        });
        if (points > 0) await this.s.rewards.change(tx, card.ownerId, points, RewardReason.PURCHASE, t.id);
      }
      this.announce(tx, t, approved ? 'approved' : 'declined');
      await this.s.idempotency.complete(tx, viewer.userId, input.idempotencyKey, { transactionId: t.id });
      return { transaction: t };
    });
    const t =
      'replay' in outcome
        ? await ctx.em.findOneOrFail(CardTransaction, { id: outcome.replay })
        : outcome.transaction;
    const account = await ctx.em.fork().findOneOrFail(CreditAccount, { id: t.accountId });
    return { transaction: transactionView(t), account };
  }

  /**
   * Refunds all or part of an approved purchase. The refund first cancels what is still owed
   * of it; what the owner had already paid of it is returned through the gateway after the
   * commit. Points go back in proportion; points already redeemed are charged back at their
   * redeemed value (SPEC section 6). Locks the account first, then the purchase.
   */
  async refund(
    ctx: RequestContext,
    input: { transactionId: string; amount: number; idempotencyKey: string },
  ): Promise<{ transaction: TransactionView; account: CreditAccount }> {
    const viewer = requireViewer(ctx);
    if (input.amount <= 0)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'The amount must be more than zero.', [
        'input',
        'amount',
      ]);
    const id = localId(input.transactionId, TRANSACTION_TYPE);
    const notFound = () =>
      new DomainError(UserErrorCode.NOT_FOUND, 'No such transaction.', ['input', 'transactionId']);
    if (!id) throw notFound();
    const found = await ctx.em.fork().findOne(CardTransaction, { id }, { fields: ['accountId', 'ownerId'] });
    if (!found || found.ownerId !== viewer.userId) throw notFound();
    const outcome = await this.s.tx.run(ctx.em, async (tx) => {
      const claim = await this.s.idempotency.claim<{ transactionId: string }>(
        tx,
        viewer.userId,
        input.idempotencyKey,
        'refundCardTransaction',
        { ...input },
      );
      if (claim.replay) return { id: claim.result.transactionId, returnId: null };
      const account = await tx.em.findOneOrFail(
        CreditAccount,
        { id: found.accountId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const t = await tx.em.findOneOrFail(CardTransaction, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
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
      if (input.amount > left) {
        throw new DomainError(
          UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
          `At most ${money(left)} can still be refunded.`,
          ['input', 'amount'],
        );
      }
      const now = this.s.clock.now();
      const bill = await this.interestFreeBill(tx, t.id);
      const unpaid = bill ? Number(bill.installment.principal) - Number(bill.installment.paidPrincipal) : 0;
      const owedPart = Math.min(input.amount, Math.max(0, unpaid));
      const returned = input.amount - owedPart;
      if (bill && owedPart > 0) {
        const { plan, installment } = bill;
        installment.principal = Number(installment.principal) - owedPart;
        plan.principal = Number(plan.principal) - owedPart;
        if (Number(installment.paid) >= Number(installment.principal) + Number(installment.fee)) {
          installment.status = InstallmentStatus.PAID;
          installment.paidAt = now;
          plan.status = PlanStatus.PAID_OFF;
        }
      }
      t.refunded = Number(t.refunded) + input.amount;
      if (t.refunded === Number(t.amount)) t.status = TransactionStatus.REFUNDED;
      account.availableCredit = Number(account.availableCredit) + owedPart;
      account.updatedAt = now;
      this.s.ledger.post(tx, refundPosting(t.accountId, { owed: owedPart, returned }), {
        creditAccountId: t.accountId,
        refId: t.id,
      });
      const reverse = pointsToReverse(t.rewardPoints, Number(t.amount), t.refunded, t.rewardPointsReversed);
      let chargeBack: InterestFreeBill | null = null;
      if (reverse > 0) {
        t.rewardPointsReversed += reverse;
        const taken = await this.s.rewards.takeBack(tx, t.ownerId, reverse, t.id);
        if (taken < reverse) chargeBack = await this.chargeRedeemedPoints(tx, account, t, reverse - taken);
      }
      const credit = await this.creditPaidPart(tx, account, returned, chargeBack);
      // Last, so that no intermediate write shows less than zero: the refund restored at least this much.
      if (chargeBack)
        account.availableCredit = Number(account.availableCredit) - Number(chargeBack.plan.principal);
      this.announce(tx, t, 'refunded', input.amount);
      this.s.audit.record(tx, ctx, {
        action: 'card_transaction.refund',
        objectId: t.id,
        changes: {
          amount: input.amount,
          refunded: t.refunded,
          owed: owedPart,
          credited: credit,
          returned: returned - credit,
        },
      });
      const returnId =
        returned - credit > 0 ? this.s.payouts.createReturn(tx, account, returned - credit, t.id) : null;
      await this.s.idempotency.complete(tx, viewer.userId, input.idempotencyKey, { transactionId: t.id });
      return { id: t.id, returnId };
    });
    if (outcome.returnId) await this.s.payouts.pay(ctx.em, outcome.returnId);
    const em = ctx.em.fork();
    const t = await em.findOneOrFail(CardTransaction, { id: outcome.id });
    return {
      transaction: transactionView(t),
      account: await em.findOneOrFail(CreditAccount, { id: t.accountId }),
    };
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
    const today = this.s.clock.today();
    const now = this.s.clock.now();
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
        ...(await this.s.repayments.applyToAccount(
          tx,
          account,
          only,
          first,
          whole,
          asPayment(),
          post,
          false,
        )),
      );
      credited += first;
    }
    const owed = await this.s.repayments.loadOwed(tx.em, account.id);
    const rest = Math.min(paid - credited, payoffAmount(owed.items, today));
    if (rest > 0) {
      const isPayoff = rest === payoffAmount(owed.items, today);
      allocations.push(
        ...(await this.s.repayments.applyToAccount(
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
      this.s.repayments.refreshDelinquency(account, owed, today);
    }
    if (payment) {
      const applied: Payment = payment;
      applied.amount = credited;
      this.s.repayments.announceApplied(tx, applied, allocations);
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
    const value = await this.s.rewards.clawBack(tx, refunded.ownerId, points);
    if (value <= 0) return null;
    const now = this.s.clock.now();
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
      dueDate: addDays(this.s.clock.today(), INTEREST_FREE_DAYS),
      createdAt: now,
    });
    tx.em.persist(charge);
    const bill = this.openInterestFreeBill(tx, charge);
    this.s.ledger.post(tx, rewardsClawbackPosting(account.id, value), {
      creditAccountId: account.id,
      refId: charge.id,
    });
    tx.emit({
      type: EventType.cardTransactionPosted,
      audience: [charge.ownerId],
      objectId: toGlobalId(CARD_TYPE, charge.cardId),
      payload: transactionView(charge) as unknown as Record<string, unknown>,
    });
    this.s.notifications.notify(
      tx,
      account.ownerId,
      NotificationKind.REWARDS_CLAWED_BACK,
      'Redeemed points charged back',
      `The refund from ${refunded.merchantName} took back ${points} points you had already redeemed; their value, ${money(value)}, was added to your balance, due ${charge.dueDate}.`,
      { transactionId: toGlobalId(TRANSACTION_TYPE, charge.id) },
    );
    return bill;
  }

  /** Turns what is unpaid of a purchase still inside its 45 days into a 3-, 6- or 12-month plan at the account's APR. */
  async convertToInstallments(
    ctx: RequestContext,
    input: { transactionId: string; months: number },
  ): Promise<InstallmentPlan> {
    const viewer = requireViewer(ctx);
    if (!CONVERSION_MONTHS.has(input.months)) {
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'Choose 3, 6 or 12 months.', ['input', 'months']);
    }
    const id = localId(input.transactionId, TRANSACTION_TYPE);
    const notFound = () =>
      new DomainError(UserErrorCode.NOT_FOUND, 'No such transaction.', ['input', 'transactionId']);
    if (!id) throw notFound();
    const found = await ctx.em.fork().findOne(CardTransaction, { id }, { fields: ['accountId', 'ownerId'] });
    if (!found || found.ownerId !== viewer.userId) throw notFound();
    return this.s.tx.run(ctx.em, async (tx) => {
      const account = await tx.em.findOneOrFail(
        CreditAccount,
        { id: found.accountId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const t = await tx.em.findOneOrFail(CardTransaction, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const today = this.s.clock.today();
      const bill =
        t.status === TransactionStatus.APPROVED && !t.planId ? await this.interestFreeBill(tx, t.id) : null;
      if (!bill || bill.plan.status !== PlanStatus.ACTIVE) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          'Only an approved purchase not yet paid or converted can be converted.',
          ['input', 'transactionId'],
        );
      }
      if (t.dueDate && today >= t.dueDate) {
        throw new DomainError(UserErrorCode.INVALID_STATE, 'The 45 days of this purchase are over.', [
          'input',
          'transactionId',
        ]);
      }
      const plan = this.convertBill(tx, account, t, bill, input.months, today);
      this.s.notifications.notify(
        tx,
        t.ownerId,
        NotificationKind.PLAN_CREATED,
        'Purchase split into installments',
        `${t.merchantName} ${money(Number(plan.principal))} is now ${input.months} monthly payments at ${(account.aprBp / 100).toFixed(2)}% APR.`,
        { planId: toGlobalId(PLAN_TYPE, plan.id) },
      );
      this.s.audit.record(tx, ctx, {
        action: 'card_transaction.convert',
        objectId: t.id,
        changes: { planId: plan.id, months: input.months, principal: plan.principal },
      });
      return plan;
    });
  }

  /**
   * Replaces a purchase's 45-day bill by a monthly plan for what is still unpaid of it (never
   * what was paid or refunded). The caller holds the account's lock. The ledger does not move:
   * the principal owed is the same, only its schedule changes.
   */
  convertBill(
    tx: Tx,
    account: CreditAccount,
    t: CardTransaction,
    bill: InterestFreeBill,
    months: number,
    startDate: string,
  ): InstallmentPlan {
    const unpaid = Number(bill.installment.principal) - Number(bill.installment.paidPrincipal);
    if (unpaid <= 0) throw new Error(`nothing left to convert of ${t.id}`);
    const plan = this.createMonthlyPlan(tx, account, unpaid, account.aprBp, months, startDate, t.id);
    bill.plan.status = PlanStatus.CONVERTED;
    t.planId = plan.id;
    return plan;
  }

  /** The INTEREST_FREE_45 plan of a purchase (or charge) and its one installment. */
  async interestFreeBill(tx: Tx, transactionId: string): Promise<InterestFreeBill | null> {
    const plan = await tx.em.findOne(InstallmentPlan, {
      sourceTransactionId: transactionId,
      kind: PlanKind.INTEREST_FREE_45,
    });
    if (!plan) return null;
    const installment = await tx.em.findOneOrFail(Installment, { planId: plan.id, number: 1 });
    return { plan, installment };
  }

  /** An approved purchase (or charge) is due in full in 45 days, interest-free: a plan of one installment. */
  openInterestFreeBill(tx: Tx, t: CardTransaction): InterestFreeBill {
    const plan = tx.em.create(InstallmentPlan, {
      accountId: t.accountId,
      ownerId: t.ownerId,
      kind: PlanKind.INTEREST_FREE_45,
      status: PlanStatus.ACTIVE,
      aprBp: 0,
      principal: Number(t.amount),
      startDate: addDays(t.dueDate!, -INTEREST_FREE_DAYS),
      sourceTransactionId: t.id,
      createdAt: t.createdAt,
    });
    tx.em.persist(plan);
    const installment = tx.em.create(Installment, {
      planId: plan.id,
      number: 1,
      dueDate: t.dueDate!,
      principal: Number(t.amount),
      interest: 0,
      interestRecognized: true,
    });
    tx.em.persist(installment);
    return { plan, installment };
  }

  /** A monthly plan and its installments, from the amortisation schedule. */
  createMonthlyPlan(
    tx: Tx,
    account: CreditAccount,
    principal: number,
    aprBp: number,
    months: number,
    startDate: string,
    sourceTransactionId: string | null,
  ): InstallmentPlan {
    const plan = tx.em.create(InstallmentPlan, {
      accountId: account.id,
      ownerId: account.ownerId,
      kind: PlanKind.MONTHLY,
      status: PlanStatus.ACTIVE,
      aprBp,
      principal,
      startDate,
      sourceTransactionId,
      createdAt: this.s.clock.now(),
    });
    tx.em.persist(plan);
    for (const i of monthlySchedule({ principal, aprBp, termMonths: months, startDate })) {
      tx.em.persist(
        tx.em.create(Installment, {
          planId: plan.id,
          number: i.number,
          dueDate: i.dueDate,
          principal: i.principal,
          interest: i.interest,
        }),
      );
    }
    return plan;
  }

  async get(ctx: RequestContext, id: string): Promise<TransactionView | null> {
    const viewer = requireViewer(ctx);
    const t = await ctx.em.findOne(CardTransaction, { id });
    return t && (t.ownerId === viewer.userId || viewer.isAdmin) ? transactionView(t) : null;
  }

  /** An account's transactions, newest first. The first page comes batched through a loader. */
  async page(
    ctx: RequestContext,
    accountId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<TransactionView>> {
    const size = pageSize(args.first);
    if (args.after == null) {
      const [rows, total] = await Promise.all([
        ctx.loaders.recentTransactions.load({ accountId, size: size + 1 }),
        ctx.loaders.transactionCount.load(accountId),
      ]);
      return toConnection(rows, size, total, false, transactionView);
    }
    const after = decodeCursor(args.after);
    if (!after)
      throw new GraphQLError('`after` is not a valid cursor.', { extensions: { code: 'BAD_USER_INPUT' } });
    const [rows, total] = await Promise.all([
      ctx.em.find(
        CardTransaction,
        { accountId, id: { $lt: after } },
        { orderBy: { id: 'desc' }, limit: size + 1 },
      ),
      ctx.loaders.transactionCount.load(accountId),
    ]);
    return toConnection(rows, size, total, true, transactionView);
  }

  private announce(
    tx: Tx,
    t: CardTransaction,
    what: 'approved' | 'declined' | 'refunded',
    refundAmount = 0,
  ): void {
    const view = transactionView(t);
    tx.emit({
      type: EventType.cardTransactionPosted,
      audience: [t.ownerId],
      objectId: toGlobalId(CARD_TYPE, t.cardId),
      payload: view as unknown as Record<string, unknown>,
    });
    const n = {
      approved: [
        NotificationKind.PURCHASE_APPROVED,
        'Purchase approved',
        `${t.merchantName}: ${money(Number(t.amount))}, due ${t.dueDate}.`,
      ],
      declined: [
        NotificationKind.PURCHASE_DECLINED,
        'Purchase declined',
        `${t.merchantName}: ${money(Number(t.amount))} was declined (${t.declineReason}).`,
      ],
      refunded: [
        NotificationKind.PURCHASE_REFUNDED,
        'Refund received',
        `${t.merchantName} refunded ${money(refundAmount)}.`,
      ],
    }[what] as [NotificationKind, string, string];
    this.s.notifications.notify(tx, t.ownerId, n[0], n[1], n[2], {
      transactionId: toGlobalId(TRANSACTION_TYPE, t.id),
    });
  }
}
