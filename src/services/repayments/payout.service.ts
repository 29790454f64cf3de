import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  disbursementPosting,
  drawPaidPosting,
  drawPosting,
  drawReversedPosting,
  returnPayoutPosting,
} from '../../domain/ledger/ledger';
import { formatMoney } from '../../domain/common/money';
import { Card, CreditAccount, Disbursement } from '../../entities';
import { CardStatus } from '../../entities/accounts/card.entity';
import { AccountKind, AccountStatus } from '../../entities/accounts/credit-account.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { DisbursementKind } from '../../entities/repayments/disbursement.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, FieldErrors, UserErrorCode } from '../../lib/errors';
import { toGlobalId } from '../../lib/global-id';
import { type RequestScope } from '../common/request-scope';
import { ACCOUNT_TYPE, lockAccount } from '../accounts/credit-account.service';
import { accountView, type AccountView } from '../accounts/account-view';
import { disbursementView, type DisbursementView } from './payment-view';
import { askGateway, claimPending, type GatewayResult } from './payment-gateway';
import type { Config } from '../../config';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import type { NotificationService } from '../notifications/notification.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { CreditAccountService } from '../accounts/credit-account.service';
import type { InstallmentPlanService } from '../accounts/installment-plan.service';
import type { PaymentGateway } from './payment-gateway';
import type { AccountClosureService } from '../accounts/account-closure.service';

/** A cash draw: at least $50.00, repaid over 3, 6 or 12 months (12 unless chosen). */
const MIN_DRAW = 5_000;
const DRAW_TERMS = [3, 6, 12];
const DEFAULT_DRAW_TERM = 12;

/**
 * Money paid out to an account's owner through the gateway: a loan's principal and a cash
 * draw from a credit line (`requestDisbursement`), and money returned (a refund of a purchase already paid, a payment
 * that found nothing left to pay). Same shape as payments: committed PENDING, the gateway
 * asked after the commit with the record's id as its idempotency key, settled with the answer.
 */
export class PayoutService {
  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly mutations: IdempotentMutations,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly accounts: CreditAccountService,
    private readonly plans: InstallmentPlanService,
    private readonly gateway: PaymentGateway,
    private readonly closures: AccountClosureService,
  ) {}

  /**
   * Pays out a loan awaiting disbursement (a platform loan; a marketplace loan whose payout at
   * funding failed), or draws cash from a credit line: its schedule starts on the day the
   * payout succeeds.
   */
  async requestDisbursement(
    ctx: RequestScope,
    input: { accountId: string; idempotencyKey: string; amount?: number | null; termMonths?: number | null },
  ): Promise<{ disbursement: DisbursementView; account: AccountView }> {
    const call = { operation: 'requestDisbursement', key: input.idempotencyKey, input };
    const { stored } = await this.mutations.run(ctx, call, async (tx) => {
      const account = await this.accounts.ownAccount(ctx, tx, input.accountId, ['input', 'accountId'], true);
      const d =
        account.kind === AccountKind.CREDIT_LINE
          ? await this.draw(tx, account, input)
          : await this.loanPayout(tx, account, input);
      this.audit.record(tx, ctx, {
        action: d.kind === DisbursementKind.DRAW ? 'account.draw' : 'account.disburse',
        objectId: account.id,
        changes: { disbursementId: d.id, amount: d.amount, termMonths: d.termMonths, status: 'PENDING' },
      });
      return { stored: { disbursementId: d.id } };
    });
    await this.pay(ctx.em, stored.disbursementId);
    const em = ctx.em.fork();
    const d = await em.findOneOrFail(Disbursement, { id: stored.disbursementId });
    return {
      disbursement: disbursementView(d),
      account: accountView(await em.findOneOrFail(CreditAccount, { id: d.accountId })),
    };
  }

  /** A loan's principal, once: a loan's amount and term are its offer's. */
  private async loanPayout(
    tx: Tx,
    account: CreditAccount,
    input: { amount?: number | null; termMonths?: number | null },
  ): Promise<Disbursement> {
    for (const field of ['amount', 'termMonths'] as const) {
      if (input[field] != null) {
        throw new DomainError(
          UserErrorCode.INVALID_INPUT,
          `A loan pays out the amount and term of its offer; leave ${field} out (it is for credit-line draws).`,
          ['input', field],
        );
      }
    }
    // A platform loan awaits this call; a funded marketplace loan is paid out at funding,
    // and this call tries again after that payout failed.
    if (account.status !== AccountStatus.PENDING_DISBURSEMENT) {
      throw new DomainError(
        UserErrorCode.INVALID_STATE,
        'Only a loan awaiting disbursement can be disbursed.',
        ['input', 'accountId'],
      );
    }
    const underway = await tx.em.count(Disbursement, {
      accountId: account.id,
      kind: DisbursementKind.LOAN,
      status: { $in: ['PENDING', 'SUCCEEDED'] },
    });
    if (underway > 0) {
      throw new DomainError(UserErrorCode.INVALID_STATE, 'The disbursement of this loan is under way.', [
        'input',
        'accountId',
      ]);
    }
    return this.pending(tx, account, DisbursementKind.LOAN, Number(account.creditLimit), null);
  }

  /**
   * A cash draw (SPEC section 4): $50.00 up to the available credit, which drops at once
   * under the account's lock (and the table's CHECK), so concurrent draws and purchases never
   * overspend. The owner owes it from now; it earns no points.
   */
  private async draw(
    tx: Tx,
    account: CreditAccount,
    input: { amount?: number | null; termMonths?: number | null },
  ): Promise<Disbursement> {
    const errors = new FieldErrors();
    const amount = input.amount;
    if (amount == null) errors.add(['input', 'amount'], 'Say how much cash to draw (at least $50.00).');
    else if (amount < MIN_DRAW)
      errors.add(['input', 'amount'], `A cash draw is at least ${formatMoney(MIN_DRAW)}.`);
    const term = input.termMonths ?? DEFAULT_DRAW_TERM;
    if (!DRAW_TERMS.includes(term))
      errors.add(['input', 'termMonths'], 'A cash draw is repaid over 3, 6 or 12 months.');
    errors.throwIfAny();
    if (account.status !== AccountStatus.ACTIVE) {
      throw new DomainError(
        UserErrorCode.INVALID_STATE,
        `Cash is drawn from an active credit line; this one is ${account.status}.`,
        ['input', 'accountId'],
      );
    }
    if (account.closureRequestedAt) {
      throw new DomainError(
        UserErrorCode.INVALID_STATE,
        'This credit line is being closed at your request: no new cash draws.',
        ['input', 'accountId'],
      );
    }
    const usable = await tx.em.count(Card, { accountId: account.id, status: CardStatus.ACTIVE });
    if (usable === 0) {
      throw new DomainError(
        UserErrorCode.INVALID_STATE,
        'This credit line is frozen; unfreeze its card to draw cash.',
        ['input', 'accountId'],
      );
    }
    if (amount! > Number(account.availableCredit)) {
      throw new DomainError(
        UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
        `The most you can draw is your available credit, ${formatMoney(Number(account.availableCredit))}.`,
        ['input', 'amount'],
      );
    }
    account.availableCredit = Number(account.availableCredit) - amount!;
    account.updatedAt = this.clock.now();
    const d = this.pending(tx, account, DisbursementKind.DRAW, amount!, null);
    d.termMonths = term;
    this.ledger.post(tx, drawPosting(account.id, amount!), { creditAccountId: account.id, refId: d.id });
    return d;
  }

  /**
   * A funded marketplace loan's payout, in the funding transaction: committed PENDING with
   * it, paid with `pay` after the commit (its settlement starts the schedule).
   */
  createLoanDisbursement(tx: Tx, account: CreditAccount): string {
    return this.pending(tx, account, DisbursementKind.LOAN, Number(account.creditLimit), null).id;
  }

  /**
   * Money the owner is owed back, in the caller's transaction (its ledger posting there
   * credits `platform:customer_payable`). Pay it with `pay` after that transaction commits.
   */
  createReturn(tx: Tx, account: CreditAccount, amount: number, sourceId: string): string {
    return this.pending(tx, account, DisbursementKind.RETURN, amount, sourceId).id;
  }

  /** A payout committed PENDING, its id the gateway reference; `sourceId`: what a return gives back. */
  private pending(
    tx: Tx,
    account: CreditAccount,
    kind: DisbursementKind,
    amount: number,
    sourceId: string | null,
  ): Disbursement {
    const d = tx.em.create(Disbursement, {
      accountId: account.id,
      ownerId: account.ownerId,
      kind,
      sourceId,
      amount,
      status: 'PENDING',
      createdAt: this.clock.now(),
      attemptedAt: new Date(),
    });
    tx.em.persist(d);
    return d;
  }

  /** Asks the gateway to pay out a PENDING record (same reference every time) and settles it if it answers. */
  async pay(em: EntityManager, id: string): Promise<void> {
    const d = await em.fork().findOne(Disbursement, { id });
    if (!d || d.status !== 'PENDING') return;
    const answer = await askGateway(
      () => this.gateway.payout({ accountId: d.accountId, amount: Number(d.amount), reference: d.id }),
      this.config.gatewayTimeoutMs,
    );
    if (answer) await this.settle(em, d.id, d.accountId, answer);
    else this.log.warn({ disbursementId: id }, 'gateway did not answer in time; payout stays PENDING');
  }

  async recoverPending(em: EntityManager, olderThanMs: number): Promise<number> {
    const ids = await claimPending(em, 'disbursement', olderThanMs);
    for (const id of ids) await this.pay(em, id);
    return ids.length;
  }

  /** The gateway's answer, applied under the account's lock (account first, then the record). */
  private async settle(
    em: EntityManager,
    id: string,
    accountId: string,
    answer: GatewayResult,
  ): Promise<void> {
    await this.tx.run(em.fork(), async (tx) => {
      const account = await lockAccount(tx, accountId);
      const d = await tx.em.findOneOrFail(Disbursement, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (d.status !== 'PENDING') return;
      const now = this.clock.now();
      d.status = answer.ok ? 'SUCCEEDED' : 'FAILED';
      d.failureReason = answer.ok ? null : answer.reason;
      d.settledAt = now;
      if (d.kind === DisbursementKind.RETURN) this.settleReturn(tx, account, d, answer);
      else if (d.kind === DisbursementKind.DRAW) this.settleDraw(tx, account, d, answer);
      else this.settleLoan(tx, account, d, answer, now);
      // A refused cash draw is owed no more: an account waiting to close may now owe nothing.
      await this.closures.closeIfSettled(tx, account);
    });
  }

  /** Returned money: once paid, what was owed to the owner (`platform:customer_payable`) leaves cash. The owner is told either way. */
  private settleReturn(tx: Tx, account: CreditAccount, d: Disbursement, answer: GatewayResult): void {
    const amount = Number(d.amount);
    if (answer.ok)
      this.ledger.post(tx, returnPayoutPosting(amount), { creditAccountId: account.id, refId: d.id });
    this.notifications.notify(
      tx,
      account.ownerId,
      answer.ok ? NotificationKind.MONEY_RETURNED : NotificationKind.DISBURSEMENT_FAILED,
      answer.ok ? 'Money returned' : 'We could not return your money',
      answer.ok
        ? `${formatMoney(amount)} you had already paid has been sent back to your bank account.`
        : `We could not send ${formatMoney(amount)} back to your bank account (${answer.reason}); our team will contact you.`,
      { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
    );
  }

  /**
   * A cash draw: once paid, a MONTHLY plan at the account's APR starting today; refused, the
   * credit comes back and nothing is owed. The owner is told either way.
   */
  private settleDraw(tx: Tx, account: CreditAccount, d: Disbursement, answer: GatewayResult): void {
    const amount = Number(d.amount);
    const ref = { creditAccountId: account.id, refId: d.id };
    if (answer.ok) {
      this.plans.createMonthlyPlan(
        tx,
        account,
        amount,
        account.aprBp,
        d.termMonths!,
        this.clock.today(),
        null,
      );
      this.ledger.post(tx, drawPaidPosting(amount), ref);
    } else {
      account.availableCredit = Number(account.availableCredit) + amount;
      account.updatedAt = this.clock.now();
      this.ledger.post(tx, drawReversedPosting(account.id, amount), ref);
    }
    this.notifications.notify(
      tx,
      account.ownerId,
      answer.ok ? NotificationKind.LOAN_DISBURSED : NotificationKind.DISBURSEMENT_FAILED,
      answer.ok ? 'Your cash is on its way' : 'Cash draw failed',
      answer.ok
        ? `${formatMoney(amount)} has been sent to your bank, repaid over ${d.termMonths} months. Your first payment is due in a month.`
        : `We could not send ${formatMoney(amount)} (${answer.reason}); your available credit is restored.`,
      { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
    );
    this.audit.record(tx, null, {
      action: 'account.draw.settle',
      objectId: account.id,
      actorId: account.ownerId,
      changes: { disbursementId: d.id, status: d.status },
    });
  }

  /**
   * A loan's principal: once paid, the loan becomes ACTIVE with its schedule starting today,
   * and the disbursement is posted. The owner is told either way; audited.
   */
  private settleLoan(
    tx: Tx,
    account: CreditAccount,
    d: Disbursement,
    answer: GatewayResult,
    now: Date,
  ): void {
    const amount = Number(d.amount);
    if (answer.ok) {
      if (account.status === AccountStatus.PENDING_DISBURSEMENT) {
        this.plans.createMonthlyPlan(
          tx,
          account,
          amount,
          account.aprBp,
          account.termMonths!,
          this.clock.today(),
          null,
        );
        account.status = AccountStatus.ACTIVE;
        account.updatedAt = now;
      }
      this.ledger.post(tx, disbursementPosting(account.id, amount), {
        creditAccountId: account.id,
        refId: d.id,
      });
    }
    this.notifications.notify(
      tx,
      account.ownerId,
      answer.ok ? NotificationKind.LOAN_DISBURSED : NotificationKind.DISBURSEMENT_FAILED,
      answer.ok ? 'Your loan is on its way' : 'Disbursement failed',
      answer.ok
        ? `${formatMoney(amount)} has been sent to you. Your first payment is due in a month.`
        : 'We could not send the money. Please try again.',
      { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
    );
    this.audit.record(tx, null, {
      action: 'account.disburse.settle',
      objectId: account.id,
      actorId: account.ownerId,
      changes: { disbursementId: d.id, status: d.status },
    });
  }
}
