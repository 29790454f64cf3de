import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { addDays, lateFee } from '../../domain/common/amortization';
import { chargeOffPosting, interestPosting, lateFeePosting } from '../../domain/ledger/ledger';
import { formatMoney } from '../../domain/common/money';
import { CardTransaction, CreditAccount, CreditApplication } from '../../entities';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { ApplicationStatus } from '../../entities/applications/credit-application.entity';
import {
  InstallmentStatus,
  PlanKind,
  PlanStatus,
  type Installment,
} from '../../entities/accounts/installment-plan.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { toGlobalId } from '../../lib/global-id';
import type { Tx } from '../../db/transactions';
import { APPLICATION_TYPE, applicationUpdatedEvent } from '../applications/credit-application.service';
import { ACCOUNT_TYPE, lockAccount } from '../accounts/credit-account.service';
import type { Owed, PaymentApplicationService } from '../repayments/payment-application.service';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';
import type { NotificationService } from '../notifications/notification.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { InstallmentPlanService } from '../accounts/installment-plan.service';
import type { DistributionService } from '../marketplace/distribution.service';
import type { ListingService } from '../marketplace/listing.service';
import type { AutopayService } from '../merchants/autopay.service';
import type { CheckoutService } from '../merchants/checkout.service';
import type { SettlementService } from '../merchants/settlement.service';
import type { AccountClosureService } from '../accounts/account-closure.service';
import { delinquencyBucket } from '../../domain/accounts/delinquency';
import { IDEMPOTENCY_KEY_RETENTION_MS } from '../common/idempotency.service';

/** Days after the due date before an installment is late and charged its fee. */
export const GRACE_DAYS = 3;
export const REMINDER_DAYS = 3;
export const CHARGE_OFF_DAYS = 120;
/** A purchase still unpaid after 45 days becomes a plan of this many months. */
export const AUTO_CONVERSION_MONTHS = 6;
/** How long a run holds its day before another instance may pick it up (renewed while it works). */
const LEASE_MS = 5 * 60_000;
/** After a failed attempt, the day is retried this much later. */
const RETRY_AFTER_MS = 30_000;

/** A run stopped by shutdown after the account it was on; its day is handed back at once. */
export class DailyJobInterrupted extends Error {
  constructor(readonly day: string) {
    super(`daily job for ${day} handed back at shutdown`);
  }
}

export interface DailyJobSummary {
  ran: boolean;
  interestRecognized: number;
  lateFees: number;
  conversions: number;
  reminders: number;
  chargeOffs: number;
  expiredOffers: number;
  expiredListings: number;
  expiredCheckouts: number;
  autopayAttempts: number;
  settlements: number;
  /** Installments that became LATE without a new fee (one was charged before). */
  lateInstallments: number;
  /** Accounts whose delinquency bucket changed. */
  delinquencyChanges: number;
}

const OPEN = new Set<string>([
  InstallmentStatus.SCHEDULED,
  InstallmentStatus.PARTIALLY_PAID,
  InstallmentStatus.LATE,
]);
const unpaid = (i: Installment) => Number(i.principal) + Number(i.interest) + Number(i.fee) - Number(i.paid);

/** One account's day, as each of its steps sees it: in its transaction, under its lock. */
interface AccountDay {
  tx: Tx;
  account: CreditAccount;
  owed: Owed;
  day: string;
  summary: DailyJobSummary;
}

/**
 * The daily job for one business day (SPEC section 5). Its claim on the day is a lease in
 * `daily_job_run`: one instance at a time works on a day, a run that crashed or failed is
 * picked up again when its lease lapses, and a finished day never runs again. Each account
 * is worked on in its own transaction under the account's lock, the same lock payments and
 * refunds take, so neither ever sees the other half done; every step is exactly-once by the
 * state it leaves (flags and statuses), so a run picked up again repeats nothing.
 */
export class DailyJobService {
  private stopping = false;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly plans: InstallmentPlanService,
    private readonly application: PaymentApplicationService,
    private readonly distributions: DistributionService,
    private readonly listings: ListingService,
    private readonly checkouts: CheckoutService,
    private readonly autopay: AutopayService,
    private readonly settlements: SettlementService,
    private readonly closures: AccountClosureService,
  ) {}

  /** Shutdown: a run under way stops after the account it is working on and hands its day back. */
  stop(): void {
    this.stopping = true;
  }

  /** Runs the job for `day` unless it already ran or another instance holds it. `asOf` is the business instant it runs at. */
  async run(em: EntityManager, day: string, asOf: Date = this.clock.at(day)): Promise<DailyJobSummary> {
    // Every audit entry of the run carries its day as request id.
    return this.audit.within(`daily-job:${day}`, () => this.runDay(em, day, asOf));
  }

  private async runDay(em: EntityManager, day: string, asOf: Date): Promise<DailyJobSummary> {
    const summary: DailyJobSummary = {
      ran: false,
      interestRecognized: 0,
      lateFees: 0,
      lateInstallments: 0,
      delinquencyChanges: 0,
      conversions: 0,
      reminders: 0,
      chargeOffs: 0,
      expiredOffers: 0,
      expiredListings: 0,
      expiredCheckouts: 0,
      autopayAttempts: 0,
      settlements: 0,
    };
    const conn = em.getConnection();
    const attempt = await this.claim(em, day);
    if (attempt === null) return summary;
    summary.ran = true;
    try {
      await this.workAccounts(em, day, attempt, summary);
      // A safety net: each payment or refund closes a settled account itself (audited as `account.close`).
      await this.closures.closeSettledAccounts(em);
      summary.expiredOffers = await this.expireOffers(em, asOf);
      summary.expiredListings = await this.listings.expire(em, asOf);
      summary.expiredCheckouts = await this.checkouts.expire(em, asOf);
      // Charges and payouts go through the gateway after their records commit (never inside).
      summary.autopayAttempts = await this.autopay.chargeDue(em, day);
      summary.settlements = await this.settlements.settleBefore(em, day);
      // Keys are forgotten on the business clock, the clock their `created_at` is written on.
      await conn.execute('delete from idempotency_key where created_at < ?', [
        new Date(asOf.getTime() - IDEMPOTENCY_KEY_RETENTION_MS),
      ]);
      await conn.execute(
        'update daily_job_run set finished_at = now(), lease_until = null, summary = ? where day = ? and attempts = ?',
        [JSON.stringify(summary), day, attempt],
      );
    } catch (err) {
      // Hand the day back: another instance picks it up at once after a shutdown, a little
      // later after a failure.
      const retryMs = err instanceof DailyJobInterrupted ? 0 : RETRY_AFTER_MS;
      await this.lease(em, day, attempt, retryMs).catch(() => undefined);
      throw err;
    }
    this.log.info({ day, attempt, ...summary }, 'daily job');
    return summary;
  }

  /**
   * Claims the day: a new day, or one whose run crashed or failed and whose lease lapsed;
   * never a finished one. Returns this run's attempt number, or null when the day is not ours.
   */
  private async claim(em: EntityManager, day: string): Promise<number | null> {
    const claimed = (await em.getConnection().execute(
      `insert into daily_job_run (day, started_at, lease_until, attempts)
       values (?, now(), now() + (? * interval '1 millisecond'), 1)
       on conflict (day) do update
         set lease_until = excluded.lease_until, started_at = excluded.started_at,
             attempts = daily_job_run.attempts + 1
       where daily_job_run.finished_at is null
         and (daily_job_run.lease_until is null or daily_job_run.lease_until < now())
       returning attempts`,
      [day, LEASE_MS],
    )) as { attempts: number }[];
    return claimed.length === 0 ? null : claimed[0]!.attempts;
  }

  /**
   * Works each account with something due (or past due) in its own transaction, renewing the
   * lease as it goes; stops between two accounts at shutdown.
   */
  private async workAccounts(
    em: EntityManager,
    day: string,
    attempt: number,
    summary: DailyJobSummary,
  ): Promise<void> {
    const accounts = (await em.getConnection().execute(
      `select p.account_id from installment i join installment_plan p on p.id = i.plan_id
        where i.status <> 'PAID' and i.due_date <= ? and p.status = 'ACTIVE'
       union select id from credit_account where days_past_due > 0 and status = 'ACTIVE'
       order by 1`,
      [addDays(day, REMINDER_DAYS)],
    )) as { account_id: string }[];
    let renewedAt = Date.now();
    for (const { account_id } of accounts) {
      if (this.stopping) throw new DailyJobInterrupted(day);
      await this.tx.run(em.fork(), (tx) => this.account(tx, account_id, day, summary));
      if (Date.now() - renewedAt > LEASE_MS / 3) {
        await this.lease(em, day, attempt, LEASE_MS); // keeps the day while the run is still working on it
        renewedAt = Date.now();
      }
    }
  }

  /** Sets how long this attempt still holds the day: renewed while it works, shortened to hand it back. */
  private async lease(em: EntityManager, day: string, attempt: number, ms: number): Promise<void> {
    await em
      .getConnection()
      .execute(
        `update daily_job_run set lease_until = now() + (? * interval '1 millisecond') where day = ? and attempts = ?`,
        [ms, day, attempt],
      );
  }

  /**
   * One account's day, under its lock: interest due becomes income, 45-day purchases still
   * unpaid become 6-month plans, late fees, delinquency and charge-off, reminders.
   */
  private async account(tx: Tx, accountId: string, day: string, summary: DailyJobSummary): Promise<void> {
    const account = await lockAccount(tx, accountId);
    const owed = await this.application.loadOwed(tx.em, account.id);
    const accountDay: AccountDay = { tx, account, owed, day, summary };
    this.recognizeInterest(accountDay);
    if (account.status === AccountStatus.ACTIVE) await this.convertUnpaidPurchases(accountDay);
    this.chargeLateFees(accountDay);

    // Days past due from the oldest unpaid due installment; charge-off at 120 days.
    if (account.status !== AccountStatus.ACTIVE) return;
    const bucket = delinquencyBucket(account.daysPastDue);
    this.application.refreshDelinquency(account, owed, day);
    if (delinquencyBucket(account.daysPastDue) !== bucket) {
      summary.delinquencyChanges++;
      this.audit.record(tx, null, {
        action: 'account.delinquency',
        objectId: account.id,
        changes: {
          delinquencyBucket: [bucket, delinquencyBucket(account.daysPastDue)],
          daysPastDue: account.daysPastDue,
        },
      });
    }
    if (account.daysPastDue >= CHARGE_OFF_DAYS && account.status === AccountStatus.ACTIVE) {
      await this.chargeOff(tx, account, owed);
      summary.chargeOffs++;
      return;
    }
    this.remind(accountDay);
  }

  /** Scheduled interest becomes income on its due date. */
  private recognizeInterest({ tx, account, owed, day, summary }: AccountDay): void {
    for (const i of owed.installments) {
      if (i.dueDate > day || i.interestRecognized || Number(i.interest) <= 0) continue;
      this.ledger.post(tx, interestPosting(account.id, Number(i.interest)), {
        creditAccountId: account.id,
        refId: i.id,
      });
      i.interestRecognized = true;
      summary.interestRecognized++;
      this.audit.record(tx, null, {
        action: 'account.interest',
        objectId: account.id,
        changes: { installmentId: i.id, dueDate: i.dueDate, interest: Number(i.interest) },
      });
    }
  }

  /** 45-day purchases unpaid after their due date: a 6-month plan from that date, no retroactive interest. */
  private async convertUnpaidPurchases({ tx, account, owed, day, summary }: AccountDay): Promise<void> {
    for (const plan of owed.plans) {
      if (plan.kind !== PlanKind.INTEREST_FREE_45 || plan.status !== PlanStatus.ACTIVE) continue;
      const installment = owed.installments.find((i) => i.planId === plan.id)!;
      if (installment.dueDate >= day || Number(installment.principal) <= Number(installment.paidPrincipal))
        continue;
      const t = await tx.em.findOneOrFail(
        CardTransaction,
        { id: plan.sourceTransactionId! },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const monthly = this.plans.convertBill(
        tx,
        account,
        t,
        { plan, installment },
        AUTO_CONVERSION_MONTHS,
        installment.dueDate,
      );
      summary.conversions++;
      this.audit.record(tx, null, {
        action: 'card_transaction.auto_convert',
        objectId: t.id,
        changes: {
          planId: [plan.id, monthly.id],
          months: AUTO_CONVERSION_MONTHS,
          principal: Number(monthly.principal),
        },
      });
      this.notifyAccount(
        tx,
        account,
        NotificationKind.PURCHASE_CONVERTED,
        'Purchase split into installments',
        `${t.merchantName} ${formatMoney(Number(monthly.principal))} was not paid within 45 days and is now ${AUTO_CONVERSION_MONTHS} monthly payments.`,
      );
    }
  }

  /** Unpaid 3 days after the due date: LATE, and the late fee (once): the lesser of $15.00 and 5%. */
  private chargeLateFees({ tx, account, owed, day, summary }: AccountDay): void {
    const plans = new Map(owed.plans.map((p) => [p.id, p]));
    for (const i of owed.installments) {
      const plan = plans.get(i.planId)!;
      if (plan.status !== PlanStatus.ACTIVE || i.dueDate > addDays(day, -GRACE_DAYS)) continue;
      if (i.status === InstallmentStatus.PAID || i.status === InstallmentStatus.LATE || unpaid(i) <= 0)
        continue;
      const before = i.status;
      i.status = InstallmentStatus.LATE;
      if (Number(i.fee) !== 0) {
        summary.lateInstallments++;
        this.audit.record(tx, null, {
          action: 'account.late',
          objectId: account.id,
          changes: { installmentId: i.id, status: [before, InstallmentStatus.LATE] },
        });
        continue;
      }
      const fee = lateFee(Number(i.principal) + Number(i.interest));
      i.fee = fee;
      this.audit.record(tx, null, {
        action: 'account.late_fee',
        objectId: account.id,
        changes: { installmentId: i.id, status: [before, InstallmentStatus.LATE], fee: [0, fee] },
      });
      this.ledger.post(tx, lateFeePosting(account.id, fee), { creditAccountId: account.id, refId: i.id });
      summary.lateFees++;
      this.notifyAccount(
        tx,
        account,
        NotificationKind.PAYMENT_LATE,
        'Payment late',
        `Installment ${i.number} (due ${i.dueDate}) is late; a late fee of ${formatMoney(fee)} was added.`,
      );
    }
  }

  /** A reminder 3 days before each due date. */
  private remind({ tx, account, owed, day, summary }: AccountDay): void {
    const plans = new Map(owed.plans.map((p) => [p.id, p]));
    const remindOn = addDays(day, REMINDER_DAYS);
    for (const i of owed.installments) {
      if (i.dueDate !== remindOn || i.reminded || !OPEN.has(i.status)) continue;
      i.reminded = true;
      if (plans.get(i.planId)!.status !== PlanStatus.ACTIVE || unpaid(i) <= 0) continue;
      summary.reminders++;
      this.audit.record(tx, null, {
        action: 'account.reminder',
        objectId: account.id,
        changes: { installmentId: i.id, dueDate: i.dueDate, amount: unpaid(i) },
      });
      this.notifyAccount(
        tx,
        account,
        NotificationKind.PAYMENT_DUE,
        'Payment due soon',
        `${formatMoney(unpaid(i))} is due on ${i.dueDate}.`,
      );
    }
  }

  /** The owner's notification about the account, linked to it. */
  private notifyAccount(
    tx: Tx,
    account: CreditAccount,
    kind: NotificationKind,
    title: string,
    body: string,
  ): void {
    this.notifications.notify(tx, account.ownerId, kind, title, body, {
      accountId: toGlobalId(ACCOUNT_TYPE, account.id),
    });
  }

  /** Writes off what the account still owes, from the ledger, and closes it for spending. */
  private async chargeOff(tx: Tx, account: CreditAccount, owed: Owed): Promise<void> {
    await tx.em.flush(); // today's interest and fees are part of what is written off
    const receivable = (await this.ledger.receivables(tx.em, [account.id])).get(account.id)!;
    this.ledger.post(
      tx,
      chargeOffPosting(account.id, {
        fee: receivable.fees,
        interest: receivable.interest,
        principal: receivable.principal,
      }),
      { creditAccountId: account.id },
    );
    account.status = AccountStatus.CHARGED_OFF;
    account.availableCredit = 0;
    await this.distributions.chargeOff(tx, account);
    for (const plan of owed.plans)
      if (plan.status === PlanStatus.ACTIVE) plan.status = PlanStatus.CHARGED_OFF;
    await tx.em
      .getConnection()
      .execute(
        "update card set status = 'CLOSED' where account_id = ?",
        [account.id],
        'run',
        tx.em.getTransactionContext(),
      );
    this.notifications.notify(
      tx,
      account.ownerId,
      NotificationKind.ACCOUNT_CHARGED_OFF,
      'Account charged off',
      `Your account is ${account.daysPastDue} days past due and has been charged off.`,
      { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
    );
    this.audit.record(tx, null, {
      action: 'account.charge_off',
      objectId: account.id,
      changes: { daysPastDue: account.daysPastDue, ...receivable },
    });
  }

  /** Approvals whose offer lapsed: EXPIRED (acceptance was already refused from the instant it lapsed). */
  private async expireOffers(em: EntityManager, asOf: Date): Promise<number> {
    return this.tx.run(em.fork(), async (tx) => {
      const apps = await tx.em.find(
        CreditApplication,
        { status: ApplicationStatus.APPROVED, offerExpiresAt: { $lte: asOf } },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      for (const app of apps) {
        app.status = ApplicationStatus.EXPIRED;
        app.updatedAt = asOf;
        app.version++;
        tx.emit(applicationUpdatedEvent(app.id, app.applicantId));
        this.notifications.notify(
          tx,
          app.applicantId,
          NotificationKind.OFFER_EXPIRED,
          'Offer expired',
          'Your offer was not accepted within 30 days and has expired.',
          {
            applicationId: toGlobalId(APPLICATION_TYPE, app.id),
          },
        );
        this.audit.record(tx, null, {
          action: 'application.expire',
          objectId: app.id,
          changes: { status: ['APPROVED', 'EXPIRED'] },
        });
      }
      return apps.length;
    });
  }
}
