import { addDays } from '../../domain/common/calendar';
import { monthlySchedule, INTEREST_FREE_DAYS } from '../../domain/common/amortization';
import { formatMoney, formatRateBp } from '../../domain/common/money';
import { CardTransaction, CreditAccount, Installment, InstallmentPlan } from '../../entities';
import { TransactionStatus } from '../../entities/accounts/card-transaction.entity';
import { PlanKind, PlanStatus } from '../../entities/accounts/installment-plan.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode } from '../../lib/errors';
import { toGlobalId } from '../../lib/global-id';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { Clock } from '../../lib/clock';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';
import type { NotificationService } from '../notifications/notification.service';
import { findOwnTransaction, lockAccountThenTransaction } from './own-transaction';
import { installmentView, planView, type InstallmentView, type PlanView } from './account-view';

export const PLAN_TYPE = 'InstallmentPlan';
const CONVERSION_MONTHS = new Set([3, 6, 12]);

/** A purchase's (or charge's) INTEREST_FREE_45 plan and its one installment. */
export interface InterestFreeBill {
  plan: InstallmentPlan;
  installment: Installment;
}

/**
 * Installment plans of card accounts: the 45-day interest-free bill of each purchase, its
 * conversion into a 3-, 6- or 12-month plan (by the owner, or by the daily job at the end of
 * the 45 days), and monthly plans from the amortisation schedule (loans too).
 */
export class InstallmentPlanService {
  constructor(
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
  ) {}

  /** Turns what is unpaid of a purchase still inside its 45 days into a 3-, 6- or 12-month plan at the account's APR. */
  async convertToInstallments(
    ctx: RequestScope,
    input: { transactionId: string; months: number },
  ): Promise<PlanView> {
    const viewer = requireViewer(ctx);
    if (!CONVERSION_MONTHS.has(input.months)) {
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'Choose 3, 6 or 12 months.', ['input', 'months']);
    }
    const own = await findOwnTransaction(ctx, viewer, input.transactionId);
    return this.tx.run(ctx.em, async (tx) => {
      const { account, t } = await lockAccountThenTransaction(tx, own);
      const today = this.clock.today();
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
      this.notifications.notify(
        tx,
        t.ownerId,
        NotificationKind.PLAN_CREATED,
        'Purchase split into installments',
        `${t.merchantName} ${formatMoney(Number(plan.principal))} is now ${input.months} monthly payments at ${formatRateBp(account.aprBp)}% APR.`,
        { planId: toGlobalId(PLAN_TYPE, plan.id) },
      );
      this.audit.record(tx, ctx, {
        action: 'card_transaction.convert',
        objectId: t.id,
        changes: { planId: plan.id, months: input.months, principal: plan.principal },
      });
      return planView(plan);
    });
  }

  /**
   * The plans of an account the caller was shown (see `CreditAccountService.cardsOf`), oldest
   * first: a 45-day bill drops out once a conversion replaced it by its monthly plan.
   */
  async plansOf(ctx: RequestScope, accountId: string): Promise<PlanView[]> {
    requireViewer(ctx);
    const plans = await ctx.loaders.plansByAccount.load(accountId);
    return plans.filter((p) => p.status !== PlanStatus.CONVERTED).map(planView);
  }

  /** One plan by id, for a caller already allowed to see it (a checkout's shopper). */
  async planById(ctx: RequestScope, id: string): Promise<PlanView | null> {
    requireViewer(ctx);
    const plan = await ctx.em.findOne(InstallmentPlan, { id });
    return plan ? planView(plan) : null;
  }

  /** The installments of a plan the caller was shown, in order. */
  async installmentsOf(ctx: RequestScope, planId: string): Promise<InstallmentView[]> {
    requireViewer(ctx);
    return (await ctx.loaders.installmentsByPlan.load(planId)).map(installmentView);
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
      createdAt: this.clock.now(),
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
}
