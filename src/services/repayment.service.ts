import type { EntityManager } from '@mikro-orm/postgresql';
import { allocate, payoffAmount, type Allocation, type OwedItem } from '../domain/allocation';
import { reamortize } from '../domain/amortization';
import { charityPosting, disbursementPosting, interestPosting, paymentPosting } from '../domain/ledger';
import { percentOfBp } from '../domain/money';
import { ON_TIME_INSTALLMENT_POINTS } from '../domain/rewards';
import {
  CardTransaction,
  CreditAccount,
  Disbursement,
  Installment,
  InstallmentPlan,
  Payment,
  PaymentAllocation,
} from '../entities';
import { AccountKind, AccountStatus } from '../entities/credit-account.entity';
import { TransactionStatus } from '../entities/card-transaction.entity';
import { InstallmentStatus, PlanStatus } from '../entities/installment-plan.entity';
import { NotificationKind } from '../entities/notification.entity';
import { RewardReason } from '../entities/rewards.entity';
import type { Tx } from '../db/transactions';
import { DomainError, UserErrorCode } from '../lib/errors';
import { toGlobalId } from '../lib/global-id';
import { requireViewer, type RequestContext } from '../server/context';
import { EventType } from '../subscriptions/topics';
import type { Services } from '.';
import { ACCOUNT_TYPE } from './credit-account.service';

export const PAYMENT_TYPE = 'Payment';
const money = (c: number) => `$${(c / 100).toFixed(2)}`;

export interface PaymentView {
  id: string;
  accountId: string;
  status: string;
  failureReason: string | null;
  amount: number;
  prepayment: number;
  allocations: {
    planId: string | null;
    installmentNumber: number | null;
    transactionId: string | null;
    fee: number;
    interest: number;
    principal: number;
  }[];
  createdAt: string;
}

/** What an account owes, loaded once: plans' installments and unpaid 45-day purchases. */
export interface Owed {
  plans: InstallmentPlan[];
  installments: Installment[];
  purchases: CardTransaction[];
  items: OwedItem[];
}

const unpaidParts = (i: Installment) => ({
  fee: Number(i.fee) - Number(i.paidFee),
  interest: Number(i.interest) - Number(i.paidInterest),
  principal: Number(i.principal) - Number(i.paidPrincipal),
});

export const purchaseUnpaid = (t: CardTransaction) => Number(t.amount) - Number(t.refunded) - Number(t.paid);

/**
 * Disbursements and repayments (SPEC section 5): allocation in due-date order, prepayment
 * re-amortising the oldest plan, payoff with no future interest, and failed payments that
 * allocate nothing. Every movement is posted to the ledger in the same transaction.
 */
export class RepaymentService {
  constructor(private readonly s: Services) {}

  async loadOwed(em: EntityManager, accountId: string): Promise<Owed> {
    const plans = await em.find(
      InstallmentPlan,
      { accountId, status: PlanStatus.ACTIVE },
      { orderBy: { id: 'asc' } },
    );
    const installments = plans.length
      ? await em.find(
          Installment,
          { planId: { $in: plans.map((p) => p.id) } },
          { orderBy: { planId: 'asc', number: 'asc' } },
        )
      : [];
    const purchases = await em.find(
      CardTransaction,
      { accountId, planId: null, status: { $in: [TransactionStatus.APPROVED, TransactionStatus.REFUNDED] } },
      { orderBy: { id: 'asc' } },
    );
    const order = new Map(plans.map((p, i) => [p.id, i]));
    const items: OwedItem[] = [
      ...installments.map((i) => ({
        ref: i.id,
        kind: 'INSTALLMENT' as const,
        planId: i.planId,
        planOrder: order.get(i.planId)!,
        dueDate: i.dueDate,
        ...unpaidParts(i),
      })),
      ...purchases
        .filter((t) => purchaseUnpaid(t) > 0)
        .map((t) => ({
          ref: t.id,
          kind: 'PURCHASE' as const,
          planId: null,
          planOrder: 0,
          dueDate: t.dueDate!,
          fee: 0,
          interest: 0,
          principal: purchaseUnpaid(t),
        })),
    ];
    return { plans, installments, purchases, items };
  }

  /** The exact amount that closes the account today. */
  async payoffQuote(ctx: RequestContext, accountGlobalId: string): Promise<number | null> {
    const account = await this.s.accounts.get(ctx, accountGlobalId);
    if (!account) return null;
    const owed = await this.loadOwed(ctx.em, account.id);
    return payoffAmount(owed.items, this.s.clock.today());
  }

  /** Pays out a platform loan: its schedule starts today. */
  async requestDisbursement(ctx: RequestContext, input: { accountId: string; idempotencyKey: string }) {
    const viewer = requireViewer(ctx);
    const outcome = await this.s.tx.run(ctx.em, async (tx) => {
      const claim = await this.s.idempotency.claim<{ disbursementId: string }>(
        tx,
        viewer.userId,
        input.idempotencyKey,
        'requestDisbursement',
        { ...input },
      );
      if (claim.replay) return { id: claim.result.disbursementId };
      const account = await this.s.accounts.ownAccount(
        ctx,
        tx,
        input.accountId,
        ['input', 'accountId'],
        true,
      );
      if (
        account.kind !== AccountKind.PERSONAL_LOAN ||
        account.fundingSource !== 'PLATFORM' ||
        account.status !== AccountStatus.PENDING_DISBURSEMENT
      ) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          'Only a platform loan awaiting disbursement can be disbursed.',
          ['input', 'accountId'],
        );
      }
      const amount = Number(account.creditLimit);
      const now = this.s.clock.now();
      const d = tx.em.create(Disbursement, {
        accountId: account.id,
        ownerId: account.ownerId,
        amount,
        status: 'SUCCEEDED',
        createdAt: now,
      });
      const paid = await this.s.gateway.payout({ accountId: account.id, amount, reference: d.id });
      if (!paid.ok) {
        d.status = 'FAILED';
        d.failureReason = paid.reason;
      } else {
        this.s.purchases.createMonthlyPlan(
          tx,
          account,
          amount,
          account.aprBp,
          account.termMonths!,
          this.s.clock.today(),
          null,
        );
        account.status = AccountStatus.ACTIVE;
        account.updatedAt = now;
        this.s.ledger.post(tx, disbursementPosting(account.id, amount), {
          creditAccountId: account.id,
          refId: d.id,
        });
      }
      tx.em.persist(d);
      this.s.notifications.notify(
        tx,
        account.ownerId,
        paid.ok ? NotificationKind.LOAN_DISBURSED : NotificationKind.DISBURSEMENT_FAILED,
        paid.ok ? 'Your loan is on its way' : 'Disbursement failed',
        paid.ok
          ? `${money(amount)} has been sent to you. Your first payment is due in a month.`
          : 'We could not send the money. Please try again.',
        { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
      );
      this.s.audit.record(tx, ctx, {
        action: 'account.disburse',
        objectId: account.id,
        changes: { amount, status: d.status },
      });
      await this.s.idempotency.complete(tx, viewer.userId, input.idempotencyKey, { disbursementId: d.id });
      return { id: d.id };
    });
    const em = ctx.em.fork();
    const d = await em.findOneOrFail(Disbursement, { id: outcome.id });
    return { disbursement: d, account: await em.findOneOrFail(CreditAccount, { id: d.accountId }) };
  }

  async makePayment(
    ctx: RequestContext,
    input: { accountId: string; amount: number; idempotencyKey: string },
  ) {
    const viewer = requireViewer(ctx);
    if (input.amount <= 0)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'The amount must be more than zero.', [
        'input',
        'amount',
      ]);
    const outcome = await this.s.tx.run(ctx.em, async (tx) => {
      const claim = await this.s.idempotency.claim<{ paymentId: string }>(
        tx,
        viewer.userId,
        input.idempotencyKey,
        'makePayment',
        { ...input },
      );
      if (claim.replay) return { id: claim.result.paymentId };
      const account = await this.s.accounts.ownAccount(
        ctx,
        tx,
        input.accountId,
        ['input', 'accountId'],
        true,
      );
      if (account.status !== AccountStatus.ACTIVE) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          `Payments go to an active account; this one is ${account.status}.`,
          ['input', 'accountId'],
        );
      }
      const today = this.s.clock.today();
      const owed = await this.loadOwed(tx.em, account.id);
      const payoff = payoffAmount(owed.items, today);
      if (input.amount > payoff) {
        throw new DomainError(
          UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
          `The most this account takes today is ${money(payoff)} (its payoff amount).`,
          ['input', 'amount'],
        );
      }
      const now = this.s.clock.now();
      const payment = tx.em.create(Payment, {
        accountId: account.id,
        ownerId: account.ownerId,
        amount: input.amount,
        status: 'SUCCEEDED',
        createdAt: now,
      });
      tx.em.persist(payment);
      const charged = await this.s.gateway.charge({
        accountId: account.id,
        amount: input.amount,
        reference: payment.id,
      });
      if (!charged.ok) {
        payment.status = 'FAILED';
        payment.failureReason = charged.reason;
        this.announce(tx, payment, []);
      } else {
        const allocations = await this.apply(
          tx,
          account,
          owed,
          input.amount,
          input.amount === payoff,
          today,
          now,
          payment,
        );
        this.announce(tx, payment, allocations);
      }
      this.s.audit.record(tx, ctx, {
        action: 'account.payment',
        objectId: account.id,
        changes: { paymentId: payment.id, amount: input.amount, status: payment.status },
      });
      await this.s.idempotency.complete(tx, viewer.userId, input.idempotencyKey, { paymentId: payment.id });
      return { id: payment.id };
    });
    const em = ctx.em.fork();
    const payment = await em.findOneOrFail(Payment, { id: outcome.id });
    return {
      payment: await this.view(em, payment),
      account: await em.findOneOrFail(CreditAccount, { id: payment.accountId }),
    };
  }

  async view(em: EntityManager, p: Payment): Promise<PaymentView> {
    const rows = await em.find(PaymentAllocation, { paymentId: p.id }, { orderBy: { id: 'asc' } });
    return {
      id: p.id,
      accountId: p.accountId,
      status: p.status,
      failureReason: p.failureReason,
      amount: Number(p.amount),
      prepayment: Number(p.prepayment),
      allocations: rows.map((r) => ({
        planId: r.planId,
        installmentNumber: r.installmentNumber,
        transactionId: r.transactionId,
        fee: Number(r.fee),
        interest: Number(r.interest),
        principal: Number(r.principal),
      })),
      createdAt: p.createdAt.toISOString(),
    };
  }

  /** Spreads a successful payment over what is owed, and posts it. */
  private async apply(
    tx: Tx,
    account: CreditAccount,
    owed: Owed,
    amount: number,
    isPayoff: boolean,
    today: string,
    now: Date,
    payment: Payment,
  ): Promise<Allocation[]> {
    const byId = new Map(owed.installments.map((i) => [i.id, i]));
    const purchases = new Map(owed.purchases.map((t) => [t.id, t]));
    let allocations: Allocation[];
    let prepayment = 0;
    if (isPayoff) {
      // Settles what is due and every remaining principal; future interest is never charged.
      allocations = owed.items
        .map((i) => {
          const due = i.kind === 'PURCHASE' || i.dueDate <= today;
          return {
            ref: i.ref,
            kind: i.kind,
            planId: i.planId,
            fee: due ? i.fee : 0,
            interest: due ? i.interest : 0,
            principal: i.principal,
          };
        })
        .filter((a) => a.fee + a.interest + a.principal > 0);
      for (const i of owed.installments) {
        if (i.dueDate <= today) continue;
        const waived = Number(i.interest) - Number(i.paidInterest);
        // Interest already taken into income (paid early in part) is reversed for the waived rest.
        if (waived > 0 && i.interestRecognized)
          this.s.ledger.post(tx, interestPosting(account.id, -waived), {
            creditAccountId: account.id,
            refId: i.id,
          });
        i.interest = Number(i.paidInterest);
      }
    } else {
      const r = allocate(owed.items, amount, today);
      allocations = r.allocations;
      prepayment = r.prepayment;
    }

    let fee = 0;
    let interest = 0;
    let principal = 0;
    for (const a of allocations) {
      fee += a.fee;
      interest += a.interest;
      principal += a.principal;
      if (a.kind === 'PURCHASE') {
        const t = purchases.get(a.ref)!;
        t.paid = Number(t.paid) + a.principal;
        tx.em.persist(
          tx.em.create(PaymentAllocation, {
            paymentId: payment.id,
            transactionId: t.id,
            fee: 0,
            interest: 0,
            principal: a.principal,
          }),
        );
        continue;
      }
      const inst = byId.get(a.ref)!;
      if (a.interest > 0 && !inst.interestRecognized) {
        this.s.ledger.post(tx, interestPosting(account.id, Number(inst.interest)), {
          creditAccountId: account.id,
          refId: inst.id,
        });
        inst.interestRecognized = true;
      }
      inst.paidFee = Number(inst.paidFee) + a.fee;
      inst.paidInterest = Number(inst.paidInterest) + a.interest;
      inst.paidPrincipal = Number(inst.paidPrincipal) + a.principal;
      inst.paid = Number(inst.paid) + a.fee + a.interest + a.principal;
      await this.settleStatus(tx, inst, today, now, account.ownerId, !isPayoff || inst.dueDate <= today);
      tx.em.persist(
        tx.em.create(PaymentAllocation, {
          paymentId: payment.id,
          planId: inst.planId,
          installmentNumber: inst.number,
          fee: a.fee,
          interest: a.interest,
          principal: a.principal,
        }),
      );
    }

    // Prepayment: principal of the oldest plan first, its untouched installments re-amortised over the same count.
    let left = prepayment;
    for (const plan of owed.plans) {
      if (left <= 0) break;
      const future = owed.installments.filter(
        (i) => i.planId === plan.id && Number(i.paid) === 0 && i.dueDate >= today,
      );
      const remaining = future.reduce((s, i) => s + Number(i.principal), 0);
      if (remaining <= 0) continue;
      const take = Math.min(left, remaining);
      left -= take;
      principal += take;
      const rows =
        remaining - take > 0
          ? reamortize({
              outstanding: remaining - take,
              aprBp: plan.aprBp,
              dueDates: future.map((i) => i.dueDate),
              firstNumber: future[0]!.number,
            })
          : [];
      for (const [k, inst] of future.entries()) {
        const row = rows[k];
        inst.principal = row ? row.principal : 0;
        inst.interest = row ? row.interest : 0;
        if (!row) await this.settleStatus(tx, inst, today, now, account.ownerId, false);
      }
    }
    if (left !== 0) throw new Error(`payment left ${left} cents unallocated`);
    payment.prepayment = prepayment;

    this.s.ledger.post(tx, paymentPosting(account.id, { fee, interest, principal }), {
      creditAccountId: account.id,
      refId: payment.id,
    });
    const charity = percentOfBp(interest, 100);
    if (charity > 0)
      this.s.ledger.post(tx, charityPosting(charity), { creditAccountId: account.id, refId: payment.id });
    if (account.kind === AccountKind.CREDIT_LINE)
      account.availableCredit = Number(account.availableCredit) + principal;

    for (const plan of owed.plans) {
      const mine = owed.installments.filter((i) => i.planId === plan.id);
      if (mine.every((i) => i.status === InstallmentStatus.PAID)) plan.status = PlanStatus.PAID_OFF;
    }
    const nothingLeft =
      owed.plans.every((p) => p.status === PlanStatus.PAID_OFF) &&
      owed.purchases.every((t) => purchaseUnpaid(t) === 0);
    if (account.kind === AccountKind.PERSONAL_LOAN && nothingLeft) account.status = AccountStatus.PAID_OFF;
    account.updatedAt = now;
    return allocations;
  }

  /**
   * Marks an installment PAID or PARTIALLY_PAID. An installment paid in full by its due date
   * by an ordinary payment earns 50 points (one closed early by a payoff or a prepayment
   * does not: that would pay points for not borrowing).
   */
  private async settleStatus(
    tx: Tx,
    inst: Installment,
    today: string,
    now: Date,
    ownerId: string,
    earns: boolean,
  ): Promise<void> {
    const total = Number(inst.principal) + Number(inst.interest) + Number(inst.fee);
    if (Number(inst.paid) >= total) {
      if (inst.status !== InstallmentStatus.PAID) {
        const onTime = today <= inst.dueDate && total > 0;
        inst.status = InstallmentStatus.PAID;
        inst.paidAt = now;
        if (earns && onTime)
          await this.s.rewards.change(
            tx,
            ownerId,
            ON_TIME_INSTALLMENT_POINTS,
            RewardReason.ON_TIME_INSTALLMENT,
            inst.id,
          );
      }
    } else if (Number(inst.paid) > 0 && inst.status === InstallmentStatus.SCHEDULED) {
      inst.status = InstallmentStatus.PARTIALLY_PAID;
    }
  }

  private announce(tx: Tx, payment: Payment, allocations: Allocation[]): void {
    tx.emit({
      type: EventType.paymentPosted,
      audience: [payment.ownerId],
      objectId: toGlobalId(ACCOUNT_TYPE, payment.accountId),
      payload: {
        id: payment.id,
        accountId: payment.accountId,
        status: payment.status,
        failureReason: payment.failureReason,
        amount: Number(payment.amount),
        prepayment: Number(payment.prepayment),
        createdAt: payment.createdAt.toISOString(),
        allocationCount: allocations.length,
      },
    });
    const ok = payment.status === 'SUCCEEDED';
    this.s.notifications.notify(
      tx,
      payment.ownerId,
      ok ? NotificationKind.PAYMENT_RECEIVED : NotificationKind.PAYMENT_FAILED,
      ok ? 'Payment received' : 'Payment failed',
      ok
        ? `We received your payment of ${money(Number(payment.amount))}.`
        : `Your payment of ${money(Number(payment.amount))} did not go through (${payment.failureReason}).`,
      { paymentId: toGlobalId(PAYMENT_TYPE, payment.id) },
    );
  }
}
