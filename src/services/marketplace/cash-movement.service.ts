import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  investorDepositPosting,
  investorWithdrawalPosting,
  withdrawalPaidPosting,
  withdrawalReversedPosting,
} from '../../domain/ledger/ledger';
import { formatMoney } from '../../domain/common/money';
import { CashMovement } from '../../entities';
import { CashMovementKind } from '../../entities/marketplace/marketplace.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { DomainError, UserErrorCode } from '../../lib/errors';
import {
  askGateway,
  claimPending,
  type GatewayResult,
  type PaymentGateway,
} from '../repayments/payment-gateway';
import type { RequestScope } from '../common/request-scope';
import type { Config } from '../../config';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import type { NotificationService } from '../notifications/notification.service';
import type { LedgerService } from '../ledger/ledger.service';
import { creditInvestorCash, debitInvestorCash, openInvestorCash } from './investor-cash';
import { movementView, type CashMovementView } from './marketplace-view';

/** The most one deposit or withdrawal moves: $1,000,000.00. */
const MAX_MOVEMENT = 100_000_000;

/** What the investor is told when the gateway answers. */
function settledNotice(deposit: boolean, answer: GatewayResult, amount: string) {
  if (!answer.ok)
    return {
      kind: NotificationKind.CASH_MOVEMENT_FAILED,
      title: deposit ? 'Deposit failed' : 'Withdrawal failed',
      body: deposit
        ? `Your deposit of ${amount} was declined (${answer.reason}).`
        : `We could not pay out ${amount} (${answer.reason}); it is back in your cash.`,
    };
  return deposit
    ? {
        kind: NotificationKind.CASH_DEPOSITED,
        title: 'Cash deposited',
        body: `${amount} is in your cash, ready to invest.`,
      }
    : {
        kind: NotificationKind.CASH_WITHDRAWN,
        title: 'Cash withdrawn',
        body: `${amount} is on its way to your bank account.`,
      };
}

/**
 * Investors' cash in and out through the gateway (SPEC sections 5 and 7), the shape of
 * payments: the movement is committed PENDING with its id as the provider's idempotency
 * key, the gateway is asked after the commit, and its answer settles it in a second
 * transaction. A withdrawal takes the cash at once (so two withdrawals can never spend the
 * same dollars) and gives it back if the payout fails; a deposit is cash only once it
 * succeeds.
 */
export class CashMovementService {
  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly mutations: IdempotentMutations,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly gateway: PaymentGateway,
  ) {}

  deposit(ctx: RequestScope, input: { amount: number; idempotencyKey: string }): Promise<CashMovementView> {
    return this.move(ctx, CashMovementKind.DEPOSIT, input);
  }

  withdraw(ctx: RequestScope, input: { amount: number; idempotencyKey: string }): Promise<CashMovementView> {
    return this.move(ctx, CashMovementKind.WITHDRAWAL, input);
  }

  private async move(
    ctx: RequestScope,
    kind: CashMovementKind,
    input: { amount: number; idempotencyKey: string },
  ): Promise<CashMovementView> {
    if (input.amount <= 0 || input.amount > MAX_MOVEMENT) {
      throw new DomainError(
        UserErrorCode.INVALID_INPUT,
        `The amount must be more than $0.00 and at most ${formatMoney(MAX_MOVEMENT)}.`,
        ['input', 'amount'],
      );
    }
    const operation = kind === CashMovementKind.DEPOSIT ? 'depositCash' : 'withdrawCash';
    const call = { operation, key: input.idempotencyKey, input };
    const { stored } = await this.mutations.run(ctx, call, async (tx, viewer) => {
      await openInvestorCash(tx, viewer.userId);
      const m = tx.em.create(CashMovement, {
        userId: viewer.userId,
        kind,
        amount: input.amount,
        status: 'PENDING',
        createdAt: this.clock.now(),
        attemptedAt: new Date(),
      });
      if (kind === CashMovementKind.WITHDRAWAL) {
        await debitInvestorCash(tx, viewer.userId, input.amount, ['input', 'amount']);
        this.ledger.post(tx, investorWithdrawalPosting(viewer.userId, input.amount), { refId: m.id });
      }
      tx.em.persist(m);
      this.audit.record(tx, ctx, {
        action: `investor.${kind.toLowerCase()}`,
        objectId: m.id,
        changes: { amount: input.amount, status: 'PENDING' },
      });
      return { stored: { movementId: m.id } };
    });
    await this.settleWithGateway(ctx.em, stored.movementId);
    return movementView(await ctx.em.fork().findOneOrFail(CashMovement, { id: stored.movementId }));
  }

  /** Asks the gateway about a PENDING movement (same reference every time) and settles it if it answers. */
  async settleWithGateway(em: EntityManager, id: string): Promise<void> {
    const m = await em.fork().findOne(CashMovement, { id });
    if (!m || m.status !== 'PENDING') return;
    const request = { accountId: `investor:${m.userId}`, amount: Number(m.amount), reference: m.id };
    const answer = await askGateway(
      () =>
        m.kind === CashMovementKind.DEPOSIT ? this.gateway.charge(request) : this.gateway.payout(request),
      this.config.gatewayTimeoutMs,
    );
    if (answer) await this.settle(em, id, answer);
    else this.log.warn({ cashMovementId: id }, 'gateway did not answer in time; cash movement stays PENDING');
  }

  /** PENDING movements the gateway has not answered (a crash, a timeout): asked again, same reference. */
  async recoverPending(em: EntityManager, olderThanMs: number): Promise<number> {
    const ids = await claimPending(em, 'cash_movement', olderThanMs);
    for (const id of ids) await this.settleWithGateway(em, id);
    return ids.length;
  }

  private async settle(em: EntityManager, id: string, answer: GatewayResult): Promise<void> {
    await this.tx.run(em.fork(), async (tx) => {
      const m = await tx.em.findOneOrFail(CashMovement, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (m.status !== 'PENDING') return;
      const amount = Number(m.amount);
      m.status = answer.ok ? 'SUCCEEDED' : 'FAILED';
      m.failureReason = answer.ok ? null : answer.reason;
      m.settledAt = this.clock.now();
      const deposit = m.kind === CashMovementKind.DEPOSIT;
      if (deposit && answer.ok) {
        await creditInvestorCash(tx, m.userId, amount);
        this.ledger.post(tx, investorDepositPosting(m.userId, amount), { refId: m.id });
      } else if (!deposit) {
        if (answer.ok) this.ledger.post(tx, withdrawalPaidPosting(amount), { refId: m.id });
        else {
          await creditInvestorCash(tx, m.userId, amount);
          this.ledger.post(tx, withdrawalReversedPosting(m.userId, amount), { refId: m.id });
        }
      }
      const notice = settledNotice(deposit, answer, formatMoney(amount));
      this.notifications.notify(tx, m.userId, notice.kind, notice.title, notice.body);
      this.audit.record(tx, null, {
        action: `investor.${m.kind.toLowerCase()}.settle`,
        objectId: m.id,
        actorId: m.userId,
        changes: { status: m.status },
      });
    });
  }
}
