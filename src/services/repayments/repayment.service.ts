import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  allocate,
  daysPastDue,
  payableItems,
  payoffAmount,
  type Allocation,
  type OwedItem,
} from '../../domain/repayments/allocation';
import { reamortize } from '../../domain/common/amortization';
import {
  charityPosting,
  interestPosting,
  paymentPosting,
  unappliedPaymentPosting,
  type Posting,
  type ReceivableParts,
} from '../../domain/ledger/ledger';
import { formatCents, percentOfBp } from '../../domain/common/money';
import { earnsOnTimePoints, ON_TIME_INSTALLMENT_POINTS } from '../../domain/rewards/rewards';
import { CreditAccount, Installment, InstallmentPlan, Payment, PaymentAllocation } from '../../entities';
import { AccountKind, AccountStatus } from '../../entities/accounts/credit-account.entity';
import { InstallmentStatus, PlanKind, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import { RewardReason } from '../../entities/rewards/rewards.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode } from '../../lib/errors';
import { toGlobalId } from '../../lib/global-id';
import { requireViewer, type RequestContext } from '../../server/context';
import { EventType } from '../../subscriptions/common/topics';
import type { Services } from '..';
import { ACCOUNT_TYPE } from '../accounts/credit-account.service';
import { askGateway, type GatewayResult } from './payment-gateway';

export const PAYMENT_TYPE = 'Payment';
const money = (c: number) => `$${formatCents(c)}`;

export interface PaymentView {
  id: string;
  accountId: string;
  status: string;
  source: string;
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

/** What an account owes, loaded once: its active plans (45-day purchases included) and their installments. */
export interface Owed {
  plans: InstallmentPlan[];
  installments: Installment[];
  items: OwedItem[];
}

const unpaidParts = (i: Installment) => ({
  fee: Number(i.fee) - Number(i.paidFee),
  interest: Number(i.interest) - Number(i.paidInterest),
  principal: Number(i.principal) - Number(i.paidPrincipal),
});

/** What some plans owe, from their installments (already loaded, in the caller's transaction). */
export const owedFrom = (plans: InstallmentPlan[], installments: Installment[]): Owed => ({
  plans,
  installments,
  items: owedItems(plans, installments),
});

const owedItems = (plans: InstallmentPlan[], installments: Installment[]): OwedItem[] => {
  const order = new Map(plans.map((p, i) => [p.id, i]));
  return installments
    .filter((i) => order.has(i.planId))
    .map((i) => ({
      ref: i.id,
      kind: 'INSTALLMENT' as const,
      planId: i.planId,
      planOrder: order.get(i.planId)!,
      dueDate: i.dueDate,
      ...unpaidParts(i),
    }));
};

/**
 * Repayments (SPEC section 5): a gateway payment is committed PENDING, the gateway is asked
 * after the commit, and its answer settles it under the account's lock (allocation in
 * due-date order, prepayment re-amortising the oldest plan, payoff with no future interest,
 * a failure allocating nothing). Reward redemptions are applied through the same allocation.
 * Every movement is posted to the ledger in the transaction that makes it.
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
    return { plans, installments, items: owedItems(plans, installments) };
  }

  /** The exact amount that closes the account today. */
  async payoffQuote(ctx: RequestContext, accountGlobalId: string): Promise<number | null> {
    const account = await this.s.accounts.get(ctx, accountGlobalId);
    if (!account) return null;
    const owed = await this.loadOwed(ctx.em, account.id);
    return payoffAmount(owed.items, this.s.clock.today());
  }

  /** Gateway payments of an account not settled yet: they will pay part of the payoff. */
  async pendingPayments(tx: Tx, accountId: string): Promise<number> {
    const [row] = (await tx.em
      .getConnection()
      .execute(
        `select coalesce(sum(amount), 0)::bigint as total from payment where account_id = ? and status = 'PENDING'`,
        [accountId],
        'all',
        tx.em.getTransactionContext(),
      )) as { total: string }[];
    return Number(row!.total);
  }

  /**
   * Takes a payment: commits it PENDING (the idempotency key and the amount check under the
   * account's lock), asks the gateway after the commit, and settles it with the answer. A
   * repeat with the same key returns the same payment (asking the gateway again if it is
   * still PENDING). Only a gateway that does not answer in time leaves it PENDING.
   */
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
    const { id } = await this.s.tx.run(ctx.em, async (tx) => {
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
      const owed = await this.loadOwed(tx.em, account.id);
      const payoff = payoffAmount(owed.items, this.s.clock.today());
      const pending = await this.pendingPayments(tx, account.id);
      if (input.amount > payoff - pending) {
        throw new DomainError(
          UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
          pending > 0
            ? `The most this account takes today is ${money(Math.max(0, payoff - pending))} (its payoff amount, less ${money(pending)} of payments in progress).`
            : `The most this account takes today is ${money(payoff)} (its payoff amount).`,
          ['input', 'amount'],
        );
      }
      const payment = tx.em.create(Payment, {
        accountId: account.id,
        ownerId: account.ownerId,
        amount: input.amount,
        status: 'PENDING',
        source: PaymentSource.GATEWAY,
        createdAt: this.s.clock.now(),
        attemptedAt: new Date(),
      });
      tx.em.persist(payment);
      this.s.audit.record(tx, ctx, {
        action: 'account.payment',
        objectId: account.id,
        changes: { paymentId: payment.id, amount: input.amount, status: 'PENDING' },
      });
      await this.s.idempotency.complete(tx, viewer.userId, input.idempotencyKey, { paymentId: payment.id });
      return { id: payment.id };
    });
    await this.collect(ctx.em, id);
    const em = ctx.em.fork();
    const payment = await em.findOneOrFail(Payment, { id });
    return {
      payment: await this.view(em, payment),
      account: await em.findOneOrFail(CreditAccount, { id: payment.accountId }),
    };
  }

  /** Asks the gateway about a PENDING payment (same reference every time) and settles it if it answers. */
  async collect(em: EntityManager, paymentId: string): Promise<void> {
    const p = await em.fork().findOne(Payment, { id: paymentId });
    if (!p || p.status !== 'PENDING') return;
    const answer = await askGateway(
      () => this.s.gateway.charge({ accountId: p.accountId, amount: Number(p.amount), reference: p.id }),
      this.s.config.gatewayTimeoutMs,
    );
    if (answer) await this.settle(em, p.id, p.accountId, answer);
    else this.s.log.warn({ paymentId }, 'gateway did not answer in time; payment stays PENDING');
  }

  /**
   * Settles a PENDING payment with the gateway's answer, under the account's lock (the lock
   * order of every money path: account, then its rows). Money that finds nothing left to pay
   * (a refund settled the purchase meanwhile) is returned to the owner.
   */
  private async settle(em: EntityManager, paymentId: string, accountId: string, answer: GatewayResult) {
    const returnId = await this.s.tx.run(em.fork(), async (tx) => {
      const account = await tx.em.findOneOrFail(
        CreditAccount,
        { id: accountId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const payment = await tx.em.findOneOrFail(
        Payment,
        { id: paymentId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (payment.status !== 'PENDING') return null;
      const now = this.s.clock.now();
      payment.settledAt = now;
      if (!answer.ok) {
        payment.status = 'FAILED';
        payment.failureReason = answer.reason;
        this.announce(tx, payment, []);
        return null;
      }
      payment.status = 'SUCCEEDED';
      const today = this.s.clock.today();
      const owed = await this.loadOwed(tx.em, account.id);
      const payoff = account.status === AccountStatus.ACTIVE ? payoffAmount(owed.items, today) : 0;
      const applied = Math.min(Number(payment.amount), payoff);
      const allocations =
        applied > 0
          ? await this.applyToAccount(tx, account, owed, applied, applied === payoff, payment, (parts) =>
              paymentPosting(account.id, parts),
            )
          : [];
      const unapplied = Number(payment.amount) - applied;
      this.announce(tx, payment, allocations);
      if (unapplied === 0) return null;
      this.s.ledger.post(tx, unappliedPaymentPosting(unapplied), {
        creditAccountId: account.id,
        refId: payment.id,
      });
      return this.s.payouts.createReturn(tx, account, unapplied, payment.id);
    });
    if (returnId) await this.s.payouts.pay(em, returnId);
  }

  /**
   * Settles payments and payouts left PENDING (a crash, a timeout) by asking the gateway
   * again with the same reference. Each record is claimed by moving its attempt time, so
   * instances do not ask for the same one at once (asking twice would be harmless anyway).
   */
  async recoverPending(em: EntityManager, olderThanMs: number): Promise<number> {
    const conn = em.getConnection();
    const payments = (await conn.execute(
      `update payment set attempted_at = now() where id in (
         select id from payment where status = 'PENDING'
            and (attempted_at is null or attempted_at < now() - (? * interval '1 millisecond'))
          limit 100 for update skip locked)
       returning id`,
      [olderThanMs],
    )) as { id: string }[];
    for (const p of payments) await this.collect(em, p.id);
    const payouts = await this.s.payouts.recoverPending(em, olderThanMs);
    return payments.length + payouts;
  }

  async view(em: EntityManager, p: Payment): Promise<PaymentView> {
    const rows = await em.find(PaymentAllocation, { paymentId: p.id }, { orderBy: { id: 'asc' } });
    return {
      id: p.id,
      accountId: p.accountId,
      status: p.status,
      source: p.source,
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

  /**
   * Applies money received (a settled payment, redeemed points, the paid part of a refunded
   * purchase) to what the account owes,
   * under its lock: allocation, prepayment or payoff, statuses, on-time points, available
   * credit, delinquency, and the ledger posting that `post` makes of the parts.
   */
  async applyToAccount(
    tx: Tx,
    account: CreditAccount,
    owed: Owed,
    amount: number,
    isPayoff: boolean,
    payment: Payment,
    post: (parts: ReceivableParts) => Posting,
    earnsPoints = true,
  ): Promise<Allocation[]> {
    const today = this.s.clock.today();
    const now = this.s.clock.now();
    const byId = new Map(owed.installments.map((i) => [i.id, i]));
    const plans = new Map(owed.plans.map((p) => [p.id, p]));
    let allocations: Allocation[];
    let prepayment = 0;
    // Bills payable today (past due, and each plan's next one): paying them on time earns points,
    // in a payoff too; installments a payoff or a prepayment closes ahead of that do not.
    const payable = new Set(payableItems(owed.items, today).map((i) => i.ref));
    if (isPayoff) {
      // Settles what is due and every remaining principal; future interest is never charged.
      allocations = owed.items
        .map((i) => {
          const due = i.dueDate <= today;
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
        if (waived > 0 && i.interestRecognized && plans.get(i.planId)?.kind === PlanKind.MONTHLY)
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
      const inst = byId.get(a.ref)!;
      const plan = plans.get(inst.planId)!;
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
      const earns = earnsPoints && payable.has(inst.id);
      await this.settleStatus(tx, inst, today, now, account.ownerId, earns);
      tx.em.persist(
        tx.em.create(PaymentAllocation, {
          paymentId: payment.id,
          planId: inst.planId,
          installmentNumber: inst.number,
          transactionId: plan.kind === PlanKind.INTEREST_FREE_45 ? plan.sourceTransactionId : null,
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

    this.s.ledger.post(tx, post({ fee, interest, principal }), {
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
    if (
      account.kind === AccountKind.PERSONAL_LOAN &&
      owed.plans.every((p) => p.status === PlanStatus.PAID_OFF)
    )
      account.status = AccountStatus.PAID_OFF;
    this.refreshDelinquency(account, owed, today);
    account.updatedAt = now;
    return allocations;
  }

  /** Days past due from what is still unpaid, at once (SPEC section 5): paying all past due makes it CURRENT. */
  refreshDelinquency(account: CreditAccount, owed: Owed, today: string): void {
    if (account.status === AccountStatus.CHARGED_OFF) return; // frozen at charge-off
    const active = owed.plans.filter((p) => p.status === PlanStatus.ACTIVE);
    account.daysPastDue = daysPastDue(owedItems(active, owed.installments), today);
  }

  /**
   * Marks an installment PAID or PARTIALLY_PAID. An installment of at least $25.00 paid in
   * full by its due date, as a bill payable that day (its plan's next one), earns 50 points;
   * one closed further ahead by a payoff or a prepayment does not (that would pay points for
   * not borrowing), nor one settled by a refund.
   */
  private async settleStatus(
    tx: Tx,
    inst: Installment,
    today: string,
    now: Date,
    ownerId: string,
    earns: boolean,
  ): Promise<void> {
    const scheduled = Number(inst.principal) + Number(inst.interest);
    if (Number(inst.paid) >= scheduled + Number(inst.fee)) {
      if (inst.status !== InstallmentStatus.PAID) {
        const onTime = today <= inst.dueDate && scheduled > 0;
        inst.status = InstallmentStatus.PAID;
        inst.paidAt = now;
        if (earns && onTime && earnsOnTimePoints(scheduled))
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
    this.announceApplied(tx, payment, allocations);
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

  /** `paymentPosted` for a payment settled or applied (a redemption or a refund credit notifies on its own). */
  announceApplied(tx: Tx, payment: Payment, allocations: Allocation[]): void {
    tx.emit({
      type: EventType.paymentPosted,
      audience: [payment.ownerId],
      objectId: toGlobalId(ACCOUNT_TYPE, payment.accountId),
      payload: {
        id: payment.id,
        accountId: payment.accountId,
        status: payment.status,
        source: payment.source,
        failureReason: payment.failureReason,
        amount: Number(payment.amount),
        prepayment: Number(payment.prepayment),
        createdAt: payment.createdAt.toISOString(),
        allocationCount: allocations.length,
      },
    });
  }
}
