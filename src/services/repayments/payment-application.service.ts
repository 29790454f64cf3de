import type { EntityManager } from '@mikro-orm/postgresql';
import { reamortize } from '../../domain/common/amortization';
import { percentOfBp } from '../../domain/common/money';
import {
  charityPosting,
  interestPosting,
  type Posting,
  type ReceivableParts,
} from '../../domain/ledger/ledger';
import {
  allocate,
  daysPastDue,
  payableItems,
  type Allocation,
  type OwedItem,
} from '../../domain/repayments/allocation';
import { earnsOnTimePoints, ON_TIME_INSTALLMENT_POINTS } from '../../domain/rewards/rewards';
import type { Tx } from '../../db/transactions';
import { Installment, InstallmentPlan, Payment, PaymentAllocation } from '../../entities';
import {
  AccountKind,
  AccountStatus,
  type CreditAccount,
} from '../../entities/accounts/credit-account.entity';
import { InstallmentStatus, PlanKind, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import { RewardReason } from '../../entities/rewards/rewards.entity';
import type { Clock } from '../../lib/clock';
import { toGlobalId } from '../../lib/global-id';
import { EventType } from '../../subscriptions/common/topics';
import { ACCOUNT_TYPE } from '../accounts/credit-account.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { RewardPointsService } from '../rewards/reward-points.service';
import type { DistributionService } from '../marketplace/distribution.service';
import { paymentSummaryView } from './payment-view';

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
 * How money received is applied to what an account owes (SPEC section 5), whatever brought
 * it: a settled payment, redeemed points, the paid part of a refunded purchase. Allocation
 * in due-date order, prepayment re-amortising the oldest plan, payoff with no future
 * interest; every movement posted to the ledger in the caller's transaction.
 */
export class PaymentApplicationService {
  constructor(
    private readonly clock: Clock,
    private readonly ledger: LedgerService,
    private readonly points: RewardPointsService,
    private readonly distributions: DistributionService,
  ) {}

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
   * Applies money received (a settled payment, redeemed points, the paid part of a refunded
   * purchase) to what the account owes, under its lock: allocation, prepayment or payoff,
   * statuses, on-time points, available credit, delinquency, the ledger posting that `post`
   * makes of the parts, and a marketplace loan's distribution to its note holders.
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
    const today = this.clock.today();
    // Bills payable today (past due, and each plan's next one): paying them on time earns points,
    // in a payoff too; installments a payoff or a prepayment closes ahead of that do not.
    const payable = new Set(payableItems(owed.items, today).map((i) => i.ref));
    const { allocations, prepayment } = isPayoff
      ? { allocations: this.payoffAllocations(tx, account, owed, today), prepayment: 0 }
      : allocate(owed.items, amount, today);
    const parts = await this.recordAllocations(tx, account, owed, payment, allocations, (id) =>
      earnsPoints ? payable.has(id) : false,
    );
    parts.principal += await this.prepay(tx, account, owed, prepayment);
    payment.prepayment = prepayment;

    this.ledger.post(tx, post(parts), { creditAccountId: account.id, refId: payment.id });
    const charity = percentOfBp(parts.interest, 100);
    if (charity > 0)
      this.ledger.post(tx, charityPosting(charity), { creditAccountId: account.id, refId: payment.id });
    this.closeSettled(account, owed, parts.principal, today);
    // A marketplace loan's principal and interest go on to its note holders, in this transaction.
    await this.distributions.distribute(tx, account, parts, payment.id);
    return allocations;
  }

  /** A payoff settles what is due and every remaining principal; future interest is never charged. */
  private payoffAllocations(tx: Tx, account: CreditAccount, owed: Owed, today: string): Allocation[] {
    const plans = new Map(owed.plans.map((p) => [p.id, p]));
    const allocations = owed.items
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
        this.ledger.post(tx, interestPosting(account.id, -waived), {
          creditAccountId: account.id,
          refId: i.id,
        });
      i.interest = Number(i.paidInterest);
    }
    return allocations;
  }

  /** Pays each allocated installment, records where the money went, and sums the parts. */
  private async recordAllocations(
    tx: Tx,
    account: CreditAccount,
    owed: Owed,
    payment: Payment,
    allocations: Allocation[],
    earns: (installmentId: string) => boolean,
  ): Promise<ReceivableParts> {
    const today = this.clock.today();
    const now = this.clock.now();
    const byId = new Map(owed.installments.map((i) => [i.id, i]));
    const plans = new Map(owed.plans.map((p) => [p.id, p]));
    const parts = { fee: 0, interest: 0, principal: 0 };
    for (const a of allocations) {
      parts.fee += a.fee;
      parts.interest += a.interest;
      parts.principal += a.principal;
      const inst = byId.get(a.ref)!;
      const plan = plans.get(inst.planId)!;
      if (a.interest > 0 && !inst.interestRecognized) {
        this.ledger.post(tx, interestPosting(account.id, Number(inst.interest)), {
          creditAccountId: account.id,
          refId: inst.id,
        });
        inst.interestRecognized = true;
      }
      inst.paidFee = Number(inst.paidFee) + a.fee;
      inst.paidInterest = Number(inst.paidInterest) + a.interest;
      inst.paidPrincipal = Number(inst.paidPrincipal) + a.principal;
      inst.paid = Number(inst.paid) + a.fee + a.interest + a.principal;
      await this.settleStatus(tx, inst, today, now, account.ownerId, earns(inst.id));
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
    return parts;
  }

  /**
   * A prepayment pays principal of the oldest plan first, its untouched installments
   * re-amortised over the same count. Returns the principal it paid (all of it).
   */
  private async prepay(tx: Tx, account: CreditAccount, owed: Owed, prepayment: number): Promise<number> {
    const today = this.clock.today();
    const now = this.clock.now();
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
    return prepayment;
  }

  /** Available credit back by the principal paid; plans and a loan paid off close; delinquency anew. */
  private closeSettled(account: CreditAccount, owed: Owed, principal: number, today: string): void {
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
    account.updatedAt = this.clock.now();
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
          await this.points.change(
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

  /** `paymentPosted` for a payment settled or applied (a redemption or a refund credit notifies on its own). */
  announceApplied(tx: Tx, payment: Payment, allocations: Allocation[]): void {
    tx.emit({
      type: EventType.paymentPosted,
      audience: [payment.ownerId],
      objectId: toGlobalId(ACCOUNT_TYPE, payment.accountId),
      payload: { ...paymentSummaryView(payment), allocationCount: allocations.length },
    });
  }
}
