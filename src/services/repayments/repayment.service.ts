import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { payoffAmount, type Allocation } from '../../domain/repayments/allocation';
import { paymentPosting, unappliedPaymentPosting } from '../../domain/ledger/ledger';
import { formatMoney } from '../../domain/common/money';
import { CreditAccount, Payment, PaymentAllocation } from '../../entities';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode } from '../../lib/errors';
import { toGlobalId } from '../../lib/global-id';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { askGateway, claimPending, type GatewayResult } from './payment-gateway';
import type { Config } from '../../config';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import type { NotificationService } from '../notifications/notification.service';
import type { LedgerService } from '../ledger/ledger.service';
import { lockAccount, type CreditAccountService } from '../accounts/credit-account.service';
import { accountView, type AccountView } from '../accounts/account-view';
import { owedFrom, PaymentApplicationService } from './payment-application.service';
import type { PaymentGateway } from './payment-gateway';
import type { PayoutService } from './payout.service';
import type { AccountClosureService } from '../accounts/account-closure.service';
import {
  allocationView,
  paymentSummaryView,
  PAYMENT_TYPE,
  type AllocationView,
  type PaymentSummaryView,
  type PaymentView,
} from './payment-view';
import { pageSize, toConnection, type Connection } from '../common/pagination';

/**
 * Repayments (SPEC section 5): a gateway payment is committed PENDING, the gateway is asked
 * after the commit, and its answer settles it under the account's lock (allocation in
 * due-date order, prepayment re-amortising the oldest plan, payoff with no future interest,
 * a failure allocating nothing). Reward redemptions are applied through the same allocation.
 * Every movement is posted to the ledger in the transaction that makes it.
 */
export class RepaymentService {
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
    private readonly application: PaymentApplicationService,
    private readonly gateway: PaymentGateway,
    private readonly payouts: PayoutService,
    private readonly closures: AccountClosureService,
  ) {}

  /** The exact amount that closes the account today. */
  async payoffQuote(ctx: RequestScope, accountGlobalId: string): Promise<number | null> {
    const account = await this.accounts.get(ctx, accountGlobalId);
    if (!account) return null;
    const owed = await this.application.loadOwed(ctx.em, account.id);
    return payoffAmount(owed.items, this.clock.today());
  }

  /**
   * Takes a payment: commits it PENDING (the idempotency key and the amount check under the
   * account's lock), asks the gateway after the commit, and settles it with the answer. A
   * repeat with the same key returns the same payment (asking the gateway again if it is
   * still PENDING). Only a gateway that does not answer in time leaves it PENDING.
   */
  async makePayment(
    ctx: RequestScope,
    input: { accountId: string; amount: number; idempotencyKey: string },
  ): Promise<{ payment: PaymentView; account: AccountView }> {
    requireViewer(ctx);
    if (input.amount <= 0)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'The amount must be more than zero.', [
        'input',
        'amount',
      ]);
    const call = { operation: 'makePayment', key: input.idempotencyKey, input };
    const { stored } = await this.mutations.run(ctx, call, async (tx) => {
      const account = await this.accounts.ownAccount(ctx, tx, input.accountId, ['input', 'accountId'], true);
      if (account.status !== AccountStatus.ACTIVE) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          `Payments go to an active account; this one is ${account.status}.`,
          ['input', 'accountId'],
        );
      }
      const owed = await this.application.loadOwed(tx.em, account.id);
      const payoff = payoffAmount(owed.items, this.clock.today());
      const pending = await this.application.pendingPayments(tx, account.id);
      if (input.amount > payoff - pending) {
        throw new DomainError(
          UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
          pending > 0
            ? `The most this account takes today is ${formatMoney(Math.max(0, payoff - pending))} (its payoff amount, less ${formatMoney(pending)} of payments in progress).`
            : `The most this account takes today is ${formatMoney(payoff)} (its payoff amount).`,
          ['input', 'amount'],
        );
      }
      const payment = tx.em.create(Payment, {
        accountId: account.id,
        ownerId: account.ownerId,
        amount: input.amount,
        status: 'PENDING',
        source: PaymentSource.GATEWAY,
        createdAt: this.clock.now(),
        attemptedAt: new Date(),
      });
      tx.em.persist(payment);
      this.audit.record(tx, ctx, {
        action: 'account.payment',
        objectId: account.id,
        changes: { paymentId: payment.id, amount: input.amount, status: 'PENDING' },
      });
      return { stored: { paymentId: payment.id } };
    });
    await this.collect(ctx.em, stored.paymentId);
    const em = ctx.em.fork();
    const payment = await em.findOneOrFail(Payment, { id: stored.paymentId });
    return {
      payment: await this.view(em, payment),
      account: accountView(await em.findOneOrFail(CreditAccount, { id: payment.accountId })),
    };
  }

  /** Asks the gateway about a PENDING payment (same reference every time) and settles it if it answers. */
  async collect(em: EntityManager, paymentId: string): Promise<void> {
    const p = await em.fork().findOne(Payment, { id: paymentId });
    if (!p || p.status !== 'PENDING') return;
    const answer = await askGateway(
      () => this.gateway.charge({ accountId: p.accountId, amount: Number(p.amount), reference: p.id }),
      this.config.gatewayTimeoutMs,
    );
    if (answer) await this.settle(em, p.id, p.accountId, answer);
    else this.log.warn({ paymentId }, 'gateway did not answer in time; payment stays PENDING');
  }

  /**
   * Settles a PENDING payment with the gateway's answer, under the account's lock (the lock
   * order of every money path: account, then its rows). Money that finds nothing left to pay
   * (a refund settled the purchase meanwhile) is returned to the owner.
   */
  private async settle(em: EntityManager, paymentId: string, accountId: string, answer: GatewayResult) {
    const returnId = await this.tx.run(em.fork(), async (tx) => {
      const account = await lockAccount(tx, accountId);
      const payment = await tx.em.findOneOrFail(
        Payment,
        { id: paymentId },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (payment.status !== 'PENDING') return null;
      const now = this.clock.now();
      payment.settledAt = now;
      if (!answer.ok) {
        payment.status = 'FAILED';
        payment.failureReason = answer.reason;
        this.announce(tx, payment, []);
        return null;
      }
      payment.status = 'SUCCEEDED';
      const today = this.clock.today();
      const all = await this.application.loadOwed(tx.em, account.id);
      // An autopay charge pays its own plan only; anything else, the whole account.
      const owed = payment.planId
        ? owedFrom(
            all.plans.filter((p) => p.id === payment.planId),
            all.installments,
          )
        : all;
      const payoff = account.status === AccountStatus.ACTIVE ? payoffAmount(owed.items, today) : 0;
      const applied = Math.min(Number(payment.amount), payoff);
      const allocations =
        applied > 0
          ? await this.application.applyToAccount(
              tx,
              account,
              owed,
              applied,
              applied === payoff,
              payment,
              (parts) => paymentPosting(account.id, parts),
            )
          : [];
      if (owed !== all) this.application.refreshDelinquency(account, all, today);
      const unapplied = Number(payment.amount) - applied;
      this.announce(tx, payment, allocations);
      // An account whose owner asked to close it closes with the payment that clears it.
      await this.closures.closeIfSettled(tx, account);
      if (unapplied === 0) return null;
      this.ledger.post(tx, unappliedPaymentPosting(unapplied), {
        creditAccountId: account.id,
        refId: payment.id,
      });
      return this.payouts.createReturn(tx, account, unapplied, payment.id);
    });
    if (returnId) await this.payouts.pay(em, returnId);
  }

  /**
   * Settles payments and payouts left PENDING (a crash, a timeout) by asking the gateway
   * again with the same reference. Each record is claimed by moving its attempt time, so
   * instances do not ask for the same one at once (asking twice would be harmless anyway).
   */
  async recoverPending(em: EntityManager, olderThanMs: number): Promise<number> {
    const payments = await claimPending(em, 'payment', olderThanMs);
    for (const id of payments) await this.collect(em, id);
    const payouts = await this.payouts.recoverPending(em, olderThanMs);
    return payments.length + payouts;
  }

  /*
   * An account's payments and where each went. The account was found through
   * `CreditAccountService.get` or `listFor`, which decided whether the caller may see it;
   * these read through the request's loaders (one statement per kind of lookup).
   */

  /** An account's payments, newest first (one page: `first` only). */
  async paymentsOf(
    ctx: RequestScope,
    accountId: string,
    args: { first?: number | null },
  ): Promise<Connection<PaymentSummaryView>> {
    requireViewer(ctx);
    const size = pageSize(args.first);
    const [rows, total] = await Promise.all([
      ctx.loaders.recentPayments.load({ accountId, size: size + 1 }),
      ctx.loaders.paymentCount.load(accountId),
    ]);
    return toConnection(rows, size, total, false, paymentSummaryView);
  }

  /** Where a payment the caller was shown went. */
  async allocationsOf(ctx: RequestScope, paymentId: string): Promise<AllocationView[]> {
    requireViewer(ctx);
    return (await ctx.loaders.allocationsByPayment.load(paymentId)).map(allocationView);
  }

  private async view(em: EntityManager, p: Payment): Promise<PaymentView> {
    const rows = await em.find(PaymentAllocation, { paymentId: p.id }, { orderBy: { id: 'asc' } });
    return { ...paymentSummaryView(p), allocations: rows.map(allocationView) };
  }

  private announce(tx: Tx, payment: Payment, allocations: Allocation[]): void {
    this.audit.record(tx, null, {
      action: 'account.payment.settle',
      objectId: payment.accountId,
      changes: {
        paymentId: payment.id,
        status: ['PENDING', payment.status],
        failureReason: payment.failureReason,
        applied: allocations.reduce((sum, a) => sum + a.fee + a.interest + a.principal, 0),
      },
    });
    this.application.announceApplied(tx, payment, allocations);
    const ok = payment.status === 'SUCCEEDED';
    this.notifications.notify(
      tx,
      payment.ownerId,
      ok ? NotificationKind.PAYMENT_RECEIVED : NotificationKind.PAYMENT_FAILED,
      ok ? 'Payment received' : 'Payment failed',
      ok
        ? `We received your payment of ${formatMoney(Number(payment.amount))}.`
        : `Your payment of ${formatMoney(Number(payment.amount))} did not go through (${payment.failureReason}).`,
      { paymentId: toGlobalId(PAYMENT_TYPE, payment.id) },
    );
  }
}
