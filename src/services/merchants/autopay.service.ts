import type { EntityManager } from '@mikro-orm/postgresql';
import { addDays } from '../../domain/common/calendar';
import { payoffAmount } from '../../domain/repayments/allocation';
import { AUTOPAY_ATTEMPTS } from '../../domain/merchants/checkout';
import { Payment } from '../../entities';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { InstallmentStatus } from '../../entities/accounts/installment-plan.entity';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import type { Transactions, Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import type { AuditService } from '../common/audit.service';
import { lockAccount } from '../accounts/credit-account.service';
import { owedFrom, type PaymentApplicationService } from '../repayments/payment-application.service';
import type { RepaymentService } from '../repayments/repayment.service';

/**
 * Autopay of checkout plans (SPEC section 8): each unpaid installment is charged on its due
 * date from the payment method on file, through the gateway with `makePayment`'s PENDING
 * shape; a failed charge is tried again on each of the next two days (three attempts, one a
 * day: the database refuses a second one for the same installment and day), every attempt a
 * payment the shopper sees and is notified of. After that the installment is unpaid like any
 * other (late fee and delinquency, section 5). A pay-in-4's first part is its first attempt,
 * made at checkout.
 */
export class AutopayService {
  constructor(
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly application: PaymentApplicationService,
    private readonly repayments: RepaymentService,
  ) {}

  /** The attempts of `day`: created PENDING under each account's lock, then charged after the commit. Returns how many. */
  async chargeDue(em: EntityManager, day: string): Promise<number> {
    const due = (await em.getConnection().execute(
      `select distinct p.account_id from installment i join installment_plan p on p.id = i.plan_id
        where p.checkout_id is not null and p.status = 'ACTIVE' and i.status <> 'PAID'
          and i.due_date between ? and ?
          and not exists (select 1 from payment x where x.installment_id = i.id and x.autopay_on = ?)
        order by 1`,
      [addDays(day, -(AUTOPAY_ATTEMPTS - 1)), day, day],
    )) as { account_id: string }[];
    const created: string[] = [];
    for (const { account_id } of due)
      created.push(...(await this.tx.run(em.fork(), (tx) => this.attempts(tx, account_id, day))));
    for (const id of created) await this.repayments.collect(em, id);
    return created.length;
  }

  /** One account's attempts for `day`, under its lock: never more than it owes, nothing while a charge is in flight. */
  private async attempts(tx: Tx, accountId: string, day: string): Promise<string[]> {
    const account = await lockAccount(tx, accountId);
    if (account.status !== AccountStatus.ACTIVE) return [];
    const owed = await this.application.loadOwed(tx.em, account.id);
    const earlier = await tx.em.find(Payment, {
      accountId,
      source: PaymentSource.AUTOPAY,
      installmentId: { $in: owed.installments.map((i) => i.id) },
    });
    let room = payoffAmount(owed.items, day) - (await this.application.pendingPayments(tx, account.id));
    const ids: string[] = [];
    for (const plan of owed.plans) {
      if (!plan.checkoutId) continue;
      const planOwed = owedFrom([plan], owed.installments);
      for (const inst of owed.installments) {
        if (inst.planId !== plan.id || inst.status === InstallmentStatus.PAID) continue;
        if (inst.dueDate > day || inst.dueDate < addDays(day, -(AUTOPAY_ATTEMPTS - 1))) continue;
        const tried = earlier.filter((p) => p.installmentId === inst.id);
        if (
          tried.length >= AUTOPAY_ATTEMPTS ||
          tried.some((p) => p.status === 'PENDING' || p.autopayOn === day)
        )
          continue;
        const unpaid = Number(inst.principal) + Number(inst.interest) + Number(inst.fee) - Number(inst.paid);
        const amount = Math.min(unpaid, room, payoffAmount(planOwed.items, day));
        if (amount <= 0) continue;
        room -= amount;
        const payment = tx.em.create(Payment, {
          accountId,
          ownerId: account.ownerId,
          amount,
          status: 'PENDING',
          source: PaymentSource.AUTOPAY,
          planId: plan.id,
          installmentId: inst.id,
          autopayOn: day,
          createdAt: this.clock.now(),
          attemptedAt: new Date(),
        });
        tx.em.persist(payment);
        this.audit.record(tx, null, {
          action: 'account.autopay',
          objectId: account.id,
          changes: { paymentId: payment.id, installmentId: inst.id, amount, attempt: tried.length + 1 },
        });
        ids.push(payment.id);
      }
    }
    return ids;
  }
}
