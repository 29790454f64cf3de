import type { EntityManager } from '@mikro-orm/postgresql';
import { addDays, daysBetween, lateFee } from '../domain/amortization';
import { chargeOffPosting, interestPosting, lateFeePosting } from '../domain/ledger';
import { CardTransaction, CreditAccount, CreditApplication, Installment, InstallmentPlan } from '../entities';
import { AccountStatus } from '../entities/credit-account.entity';
import { ApplicationStatus } from '../entities/credit-application.entity';
import { TransactionStatus } from '../entities/card-transaction.entity';
import { InstallmentStatus, PlanStatus } from '../entities/installment-plan.entity';
import { NotificationKind } from '../entities/notification.entity';
import { toGlobalId } from '../lib/global-id';
import type { Tx } from '../db/transactions';
import type { Services } from '.';
import { APPLICATION_TYPE, applicationUpdatedEvent } from './credit-application.service';
import { ACCOUNT_TYPE } from './credit-account.service';
import { purchaseUnpaid } from './repayment.service';

/** The active plans of some installments, by id (installments of other plans are skipped). */
async function activePlansOf(tx: Tx, installments: Installment[]): Promise<Map<string, InstallmentPlan>> {
  const ids = [...new Set(installments.map((i) => i.planId))];
  const plans = await tx.em.find(InstallmentPlan, { id: { $in: ids }, status: PlanStatus.ACTIVE });
  return new Map(plans.map((p) => [p.id, p]));
}

/** Days after the due date before an installment is late and charged its fee. */
export const GRACE_DAYS = 3;
export const REMINDER_DAYS = 3;
export const CHARGE_OFF_DAYS = 120;
/** A purchase still unpaid after 45 days becomes a plan of this many months. */
export const AUTO_CONVERSION_MONTHS = 6;

export interface DailyJobSummary {
  ran: boolean;
  interestRecognized: number;
  lateFees: number;
  conversions: number;
  reminders: number;
  chargeOffs: number;
  expiredOffers: number;
}

const OPEN = [InstallmentStatus.SCHEDULED, InstallmentStatus.PARTIALLY_PAID, InstallmentStatus.LATE];
const unpaid = (i: Installment) => Number(i.principal) + Number(i.interest) + Number(i.fee) - Number(i.paid);
const money = (c: number) => `$${(c / 100).toFixed(2)}`;

/**
 * The daily job for one business day (SPEC section 5). A row in `daily_job_run` claims the
 * day, so with several instances (or a second call) it runs once; every step is also
 * idempotent on its own (flags and states), so a crash half-way can be re-run safely.
 */
export class DailyJobService {
  constructor(private readonly s: Services) {}

  /** Runs the job for `day` unless it already ran. `asOf` is the business instant it runs at. */
  async run(em: EntityManager, day: string, asOf: Date = this.s.clock.at(day)): Promise<DailyJobSummary> {
    const claimed = (await em
      .getConnection()
      .execute(
        'insert into daily_job_run (day, started_at) values (?, now()) on conflict (day) do nothing returning day',
        [day],
      )) as unknown[];
    const summary: DailyJobSummary = {
      ran: claimed.length === 1,
      interestRecognized: 0,
      lateFees: 0,
      conversions: 0,
      reminders: 0,
      chargeOffs: 0,
      expiredOffers: 0,
    };
    if (!summary.ran) return summary;
    summary.interestRecognized = await this.recognizeInterest(em, day);
    summary.lateFees = await this.chargeLateFees(em, day);
    summary.conversions = await this.convertPurchases(em, day);
    summary.chargeOffs = await this.updateDelinquency(em, day);
    summary.reminders = await this.remind(em, day);
    summary.expiredOffers = await this.expireOffers(em, asOf);
    await em
      .getConnection()
      .execute("delete from idempotency_key where created_at < now() - interval '48 hours'");
    await em
      .getConnection()
      .execute('update daily_job_run set finished_at = now(), summary = ? where day = ?', [
        JSON.stringify(summary),
        day,
      ]);
    this.s.log.info({ day, ...summary }, 'daily job');
    return summary;
  }

  /** Scheduled interest becomes income on its due date. */
  private async recognizeInterest(em: EntityManager, day: string): Promise<number> {
    return this.s.tx.run(em.fork(), async (tx) => {
      const due = await tx.em.find(Installment, {
        dueDate: { $lte: day },
        interestRecognized: false,
        interest: { $gt: 0 },
      });
      if (!due.length) return 0;
      const plans = await activePlansOf(tx, due);
      let n = 0;
      for (const i of due) {
        const plan = plans.get(i.planId);
        if (!plan) continue;
        this.s.ledger.post(tx, interestPosting(plan.accountId, Number(i.interest)), {
          creditAccountId: plan.accountId,
          refId: i.id,
        });
        i.interestRecognized = true;
        n++;
      }
      return n;
    });
  }

  /** Unpaid 3 days after the due date: LATE, and the late fee (once): the lesser of $15.00 and 5%. */
  private async chargeLateFees(em: EntityManager, day: string): Promise<number> {
    return this.s.tx.run(em.fork(), async (tx) => {
      const late = await tx.em.find(Installment, {
        dueDate: { $lte: addDays(day, -GRACE_DAYS) },
        status: { $in: [InstallmentStatus.SCHEDULED, InstallmentStatus.PARTIALLY_PAID] },
      });
      if (!late.length) return 0;
      const plans = await activePlansOf(tx, late);
      let n = 0;
      for (const i of late) {
        const plan = plans.get(i.planId);
        if (!plan || unpaid(i) <= 0) continue;
        i.status = InstallmentStatus.LATE;
        if (Number(i.fee) === 0) {
          const fee = lateFee(Number(i.principal) + Number(i.interest));
          i.fee = fee;
          this.s.ledger.post(tx, lateFeePosting(plan.accountId, fee), {
            creditAccountId: plan.accountId,
            refId: i.id,
          });
          n++;
          this.s.notifications.notify(
            tx,
            plan.ownerId,
            NotificationKind.PAYMENT_LATE,
            'Payment late',
            `Installment ${i.number} (due ${i.dueDate}) is late; a late fee of ${money(fee)} was added.`,
            {
              accountId: toGlobalId(ACCOUNT_TYPE, plan.accountId),
            },
          );
        }
      }
      return n;
    });
  }

  /** 45-day purchases still unpaid after their due date: a 6-month plan from that date, no retroactive interest. */
  private async convertPurchases(em: EntityManager, day: string): Promise<number> {
    return this.s.tx.run(em.fork(), async (tx) => {
      const rows = await tx.em.find(CardTransaction, {
        planId: null,
        status: TransactionStatus.APPROVED,
        dueDate: { $lt: day },
      });
      let n = 0;
      for (const t of rows) {
        const left = purchaseUnpaid(t);
        if (left <= 0) continue;
        const account = await tx.em.findOneOrFail(CreditAccount, { id: t.accountId });
        if (account.status !== AccountStatus.ACTIVE) continue;
        const plan = this.s.purchases.createMonthlyPlan(
          tx,
          account,
          left,
          account.aprBp,
          AUTO_CONVERSION_MONTHS,
          t.dueDate!,
          t.id,
        );
        t.planId = plan.id;
        n++;
        this.s.notifications.notify(
          tx,
          t.ownerId,
          NotificationKind.PURCHASE_CONVERTED,
          'Purchase split into installments',
          `${t.merchantName} ${money(left)} was not paid within 45 days and is now ${AUTO_CONVERSION_MONTHS} monthly payments.`,
          {
            accountId: toGlobalId(ACCOUNT_TYPE, account.id),
          },
        );
      }
      return n;
    });
  }

  /** Days past due from the oldest unpaid due installment; charge-off at 120 days. */
  private async updateDelinquency(em: EntityManager, day: string): Promise<number> {
    return this.s.tx.run(em.fork(), async (tx) => {
      const conn = tx.em.getConnection();
      const ctx = tx.em.getTransactionContext();
      const rows = (await conn.execute(
        `select p.account_id, min(i.due_date)::text as oldest
           from installment i join installment_plan p on p.id = i.plan_id
          where p.status = 'ACTIVE' and i.status <> 'PAID' and i.due_date < ?
            and i.principal + i.interest + i.fee > i.paid
          group by p.account_id`,
        [day],
        'all',
        ctx,
      )) as { account_id: string; oldest: string }[];
      const late = new Map(rows.map((r) => [r.account_id, daysBetween(r.oldest, day)]));
      await conn.execute(
        `update credit_account set days_past_due = 0 where days_past_due > 0 and id not in (select unnest(?::uuid[]))`,
        [`{${[...late.keys()].join(',')}}`],
        'run',
        ctx,
      );
      let chargeOffs = 0;
      for (const [accountId, dpd] of late) {
        const account = await tx.em.findOneOrFail(CreditAccount, { id: accountId });
        account.daysPastDue = dpd;
        if (dpd >= CHARGE_OFF_DAYS && account.status === AccountStatus.ACTIVE) {
          const owed = (await this.s.ledger.receivables(tx.em, [accountId])).get(accountId)!;
          this.s.ledger.post(
            tx,
            chargeOffPosting(accountId, {
              fee: owed.fees,
              interest: owed.interest,
              principal: owed.principal,
            }),
            { creditAccountId: accountId },
          );
          account.status = AccountStatus.CHARGED_OFF;
          account.availableCredit = 0;
          await conn.execute(
            "update installment_plan set status = 'CHARGED_OFF' where account_id = ? and status = 'ACTIVE'",
            [accountId],
            'run',
            ctx,
          );
          await conn.execute(
            "update card set status = 'CLOSED' where account_id = ?",
            [accountId],
            'run',
            ctx,
          );
          this.s.notifications.notify(
            tx,
            account.ownerId,
            NotificationKind.ACCOUNT_CHARGED_OFF,
            'Account charged off',
            `Your account is ${dpd} days past due and has been charged off.`,
            {
              accountId: toGlobalId(ACCOUNT_TYPE, accountId),
            },
          );
          this.s.audit.record(tx, null, {
            action: 'account.charge_off',
            objectId: accountId,
            changes: { daysPastDue: dpd, ...owed },
          });
          chargeOffs++;
        }
      }
      return chargeOffs;
    });
  }

  /** A reminder 3 days before each due date. */
  private async remind(em: EntityManager, day: string): Promise<number> {
    return this.s.tx.run(em.fork(), async (tx) => {
      const due = await tx.em.find(Installment, {
        dueDate: addDays(day, REMINDER_DAYS),
        reminded: false,
        status: { $in: OPEN },
      });
      if (!due.length) return 0;
      const plans = await activePlansOf(tx, due);
      let n = 0;
      for (const i of due) {
        const plan = plans.get(i.planId);
        i.reminded = true;
        if (!plan || unpaid(i) <= 0) continue;
        this.s.notifications.notify(
          tx,
          plan.ownerId,
          NotificationKind.PAYMENT_DUE,
          'Payment due soon',
          `${money(unpaid(i))} is due on ${i.dueDate}.`,
          {
            accountId: toGlobalId(ACCOUNT_TYPE, plan.accountId),
          },
        );
        n++;
      }
      return n;
    });
  }

  /** Approvals whose offer lapsed: EXPIRED (acceptance was already refused from the instant it lapsed). */
  private async expireOffers(em: EntityManager, asOf: Date): Promise<number> {
    return this.s.tx.run(em.fork(), async (tx) => {
      const apps = await tx.em.find(CreditApplication, {
        status: ApplicationStatus.APPROVED,
        offerExpiresAt: { $lte: asOf },
      });
      for (const app of apps) {
        app.status = ApplicationStatus.EXPIRED;
        app.updatedAt = asOf;
        app.version++;
        tx.emit(applicationUpdatedEvent(app.id, app.applicantId));
        this.s.notifications.notify(
          tx,
          app.applicantId,
          NotificationKind.OFFER_EXPIRED,
          'Offer expired',
          'Your offer was not accepted within 30 days and has expired.',
          {
            applicationId: toGlobalId(APPLICATION_TYPE, app.id),
          },
        );
        this.s.audit.record(tx, null, {
          action: 'application.expire',
          objectId: app.id,
          changes: { status: ['APPROVED', 'EXPIRED'] },
        });
      }
      return apps.length;
    });
  }
}
