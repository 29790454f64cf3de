import { LockMode } from '@mikro-orm/core';
import { GraphQLError } from 'graphql';
import { addDays } from '../domain/calendar';
import { monthlySchedule, INTEREST_FREE_DAYS } from '../domain/amortization';
import { purchasePosting, refundPosting } from '../domain/ledger';
import { pointsToReverse, purchasePoints } from '../domain/rewards';
import { Card, CardTransaction, CreditAccount, Installment, InstallmentPlan } from '../entities';
import { AccountStatus } from '../entities/credit-account.entity';
import { CardStatus } from '../entities/card.entity';
import { DeclineReason, TransactionStatus } from '../entities/card-transaction.entity';
import { PlanKind, PlanStatus } from '../entities/installment-plan.entity';
import { NotificationKind } from '../entities/notification.entity';
import { RewardReason } from '../entities/rewards.entity';
import type { Tx } from '../db/transactions';
import { DomainError, FieldErrors, UserErrorCode } from '../lib/errors';
import { localId, toGlobalId } from '../lib/global-id';
import { decodeCursor, pageSize, toConnection, type Connection } from '../schema/common/connection';
import { requireViewer, type RequestContext } from '../server/context';
import { EventType } from '../subscriptions/topics';
import type { Services } from '.';
import { CARD_TYPE } from './credit-account.service';

export const TRANSACTION_TYPE = 'CardTransaction';
export const PLAN_TYPE = 'InstallmentPlan';
const CONVERSION_MONTHS = new Set([3, 6, 12]);
const MAX_MERCHANT = 200;

export interface AuthorizeInput {
  cardId: string;
  amount: number;
  merchantName: string;
  category: string;
  idempotencyKey: string;
}

/** A transaction as clients see it; JSON-safe, also the payload of `cardTransactionPosted`. */
export interface TransactionView {
  id: string;
  cardId: string;
  accountId: string;
  status: string;
  amount: number;
  refunded: number;
  merchantName: string;
  category: string;
  declineReason: string | null;
  rewardPoints: number;
  dueDate: string | null;
  planId: string | null;
  createdAt: string;
}

export const transactionView = (t: CardTransaction): TransactionView => ({
  id: t.id,
  cardId: t.cardId,
  accountId: t.accountId,
  status: t.status,
  amount: Number(t.amount),
  refunded: Number(t.refunded),
  merchantName: t.merchantName,
  category: t.category,
  declineReason: t.declineReason,
  rewardPoints: t.rewardPoints - t.rewardPointsReversed,
  dueDate: t.dueDate,
  planId: t.planId,
  createdAt: (t.createdAt instanceof Date ? t.createdAt : new Date(t.createdAt)).toISOString(),
});

const money = (c: number) => `$${(c / 100).toFixed(2)}`;

/**
 * Card purchases, refunds and conversion into installments. Available credit moves with
 * one guarded UPDATE (`available_credit >= amount`), so concurrent purchases on one account
 * serialise on its row and can never overspend; the database's check constraint backs it.
 */
export class CardTransactionService {
  constructor(private readonly s: Services) {}

  async authorize(
    ctx: RequestContext,
    input: AuthorizeInput,
  ): Promise<{ transaction: TransactionView; account: CreditAccount }> {
    const viewer = requireViewer(ctx);
    const errors = new FieldErrors();
    if (input.amount <= 0) errors.add(['input', 'amount'], 'The amount must be more than zero.');
    const merchant = input.merchantName.trim();
    if (!merchant) errors.add(['input', 'merchantName'], 'Name the merchant.');
    if (input.merchantName.length > MAX_MERCHANT)
      errors.add(['input', 'merchantName'], `Use at most ${MAX_MERCHANT} characters.`);
    errors.throwIfAny();
    const cardId = localId(input.cardId, CARD_TYPE);
    const notFound = () => new DomainError(UserErrorCode.NOT_FOUND, 'No such card.', ['input', 'cardId']);
    if (!cardId) throw notFound();

    const outcome = await this.s.tx.run(ctx.em, async (tx) => {
      const claim = await this.s.idempotency.claim<{ transactionId: string }>(
        tx,
        viewer.userId,
        input.idempotencyKey,
        'authorizeCardTransaction',
        {
          ...input,
        },
      );
      if (claim.replay) return { replay: claim.result.transactionId };
      const card = await tx.em.findOne(Card, { id: cardId });
      if (!card || card.ownerId !== viewer.userId) throw notFound();
      const now = this.s.clock.now();
      const today = this.s.clock.today();
      let decline: DeclineReason | null =
        card.status === CardStatus.FROZEN
          ? DeclineReason.CARD_FROZEN
          : card.status === CardStatus.CLOSED
            ? DeclineReason.CARD_CLOSED
            : card.expiryYear * 12 + card.expiryMonth < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1
              ? DeclineReason.CARD_EXPIRED
              : null;
      if (!decline) {
        const updated = await tx.em.getConnection().execute(
          `update credit_account set available_credit = available_credit - ?, updated_at = ?
            where id = ? and status = ? and available_credit >= ? returning id`,
          [input.amount, now, card.accountId, AccountStatus.ACTIVE, input.amount],
          'all',
          tx.em.getTransactionContext(),
        );
        if (updated.length === 0) {
          const account = await tx.em.findOneOrFail(CreditAccount, { id: card.accountId });
          decline =
            account.status !== AccountStatus.ACTIVE
              ? DeclineReason.ACCOUNT_NOT_ACTIVE
              : DeclineReason.INSUFFICIENT_CREDIT;
        }
      }
      const approved = decline === null;
      const points = approved ? purchasePoints(input.amount, input.category) : 0;
      const t = tx.em.create(CardTransaction, {
        cardId: card.id,
        accountId: card.accountId,
        ownerId: card.ownerId,
        amount: input.amount,
        status: approved ? TransactionStatus.APPROVED : TransactionStatus.DECLINED,
        merchantName: merchant,
        category: input.category,
        declineReason: decline,
        rewardPoints: points,
        dueDate: approved ? addDays(today, INTEREST_FREE_DAYS) : null,
        createdAt: now,
      });
      tx.em.persist(t);
      if (approved) {
        this.s.ledger.post(tx, purchasePosting(card.accountId, input.amount), {
          creditAccountId: card.accountId,
          refId: t.id,
        });
        if (points > 0) await this.s.rewards.change(tx, card.ownerId, points, RewardReason.PURCHASE, t.id);
      }
      this.announce(tx, t, approved ? 'approved' : 'declined');
      await this.s.idempotency.complete(tx, viewer.userId, input.idempotencyKey, { transactionId: t.id });
      return { transaction: t };
    });
    const t =
      'replay' in outcome
        ? await ctx.em.findOneOrFail(CardTransaction, { id: outcome.replay })
        : outcome.transaction;
    const account = await ctx.em.fork().findOneOrFail(CreditAccount, { id: t.accountId });
    return { transaction: transactionView(t), account };
  }

  /** Refunds all or part of an approved purchase: credit comes back, points go back in proportion. */
  async refund(
    ctx: RequestContext,
    input: { transactionId: string; amount: number; idempotencyKey: string },
  ): Promise<{ transaction: TransactionView; account: CreditAccount }> {
    const viewer = requireViewer(ctx);
    if (input.amount <= 0)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'The amount must be more than zero.', [
        'input',
        'amount',
      ]);
    const id = localId(input.transactionId, TRANSACTION_TYPE);
    const notFound = () =>
      new DomainError(UserErrorCode.NOT_FOUND, 'No such transaction.', ['input', 'transactionId']);
    if (!id) throw notFound();
    const outcome = await this.s.tx.run(ctx.em, async (tx) => {
      const claim = await this.s.idempotency.claim<{ transactionId: string }>(
        tx,
        viewer.userId,
        input.idempotencyKey,
        'refundCardTransaction',
        {
          ...input,
        },
      );
      if (claim.replay) return { id: claim.result.transactionId };
      const t = await tx.em.findOne(CardTransaction, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!t || t.ownerId !== viewer.userId) throw notFound();
      if (t.status !== TransactionStatus.APPROVED) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          `A ${t.status.toLowerCase()} transaction cannot be refunded.`,
          ['input', 'transactionId'],
        );
      }
      if (t.planId) {
        throw new DomainError(UserErrorCode.INVALID_STATE, 'This purchase was converted into installments.', [
          'input',
          'transactionId',
        ]);
      }
      const left = Number(t.amount) - Number(t.refunded);
      if (input.amount > left) {
        throw new DomainError(
          UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
          `At most ${money(left)} can still be refunded.`,
          ['input', 'amount'],
        );
      }
      t.refunded = Number(t.refunded) + input.amount;
      if (t.refunded === Number(t.amount)) t.status = TransactionStatus.REFUNDED;
      const now = this.s.clock.now();
      await tx.em
        .getConnection()
        .execute(
          'update credit_account set available_credit = available_credit + ?, updated_at = ? where id = ?',
          [input.amount, now, t.accountId],
          'run',
          tx.em.getTransactionContext(),
        );
      this.s.ledger.post(tx, refundPosting(t.accountId, input.amount), {
        creditAccountId: t.accountId,
        refId: t.id,
      });
      const reverse = pointsToReverse(t.rewardPoints, Number(t.amount), t.refunded, t.rewardPointsReversed);
      if (reverse > 0) t.rewardPointsReversed += await this.s.rewards.takeBack(tx, t.ownerId, reverse, t.id);
      this.announce(tx, t, 'refunded', input.amount);
      this.s.audit.record(tx, ctx, {
        action: 'card_transaction.refund',
        objectId: t.id,
        changes: { amount: input.amount, refunded: t.refunded },
      });
      await this.s.idempotency.complete(tx, viewer.userId, input.idempotencyKey, { transactionId: t.id });
      return { id: t.id };
    });
    const em = ctx.em.fork();
    const t = await em.findOneOrFail(CardTransaction, { id: outcome.id });
    return {
      transaction: transactionView(t),
      account: await em.findOneOrFail(CreditAccount, { id: t.accountId }),
    };
  }

  /** Turns a purchase still inside its 45 days into a 3-, 6- or 12-month plan at the account's APR. */
  async convertToInstallments(
    ctx: RequestContext,
    input: { transactionId: string; months: number },
  ): Promise<InstallmentPlan> {
    const viewer = requireViewer(ctx);
    if (!CONVERSION_MONTHS.has(input.months)) {
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'Choose 3, 6 or 12 months.', ['input', 'months']);
    }
    const id = localId(input.transactionId, TRANSACTION_TYPE);
    const notFound = () =>
      new DomainError(UserErrorCode.NOT_FOUND, 'No such transaction.', ['input', 'transactionId']);
    if (!id) throw notFound();
    return this.s.tx.run(ctx.em, async (tx) => {
      const t = await tx.em.findOne(CardTransaction, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!t || t.ownerId !== viewer.userId) throw notFound();
      const today = this.s.clock.today();
      const principal = Number(t.amount) - Number(t.refunded);
      if (t.status !== TransactionStatus.APPROVED || t.planId || principal <= 0) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          'Only an approved purchase not yet converted can be converted.',
          ['input', 'transactionId'],
        );
      }
      if (t.dueDate && today >= t.dueDate) {
        throw new DomainError(UserErrorCode.INVALID_STATE, 'The 45 days of this purchase are over.', [
          'input',
          'transactionId',
        ]);
      }
      const account = await tx.em.findOneOrFail(CreditAccount, { id: t.accountId });
      const plan = this.createMonthlyPlan(tx, account, principal, account.aprBp, input.months, today, t.id);
      t.planId = plan.id;
      this.s.notifications.notify(
        tx,
        t.ownerId,
        NotificationKind.PLAN_CREATED,
        'Purchase split into installments',
        `${t.merchantName} ${money(principal)} is now ${input.months} monthly payments at ${(account.aprBp / 100).toFixed(2)}% APR.`,
        { planId: toGlobalId(PLAN_TYPE, plan.id) },
      );
      this.s.audit.record(tx, ctx, {
        action: 'card_transaction.convert',
        objectId: t.id,
        changes: { planId: plan.id, months: input.months },
      });
      return plan;
    });
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
      createdAt: this.s.clock.now(),
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

  async get(ctx: RequestContext, id: string): Promise<TransactionView | null> {
    const viewer = requireViewer(ctx);
    const t = await ctx.em.findOne(CardTransaction, { id });
    return t && (t.ownerId === viewer.userId || viewer.isAdmin) ? transactionView(t) : null;
  }

  /** An account's transactions, newest first. The first page comes batched through a loader. */
  async page(
    ctx: RequestContext,
    accountId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<TransactionView>> {
    const size = pageSize(args.first);
    if (args.after == null) {
      const [rows, total] = await Promise.all([
        ctx.loaders.recentTransactions.load({ accountId, size: size + 1 }),
        ctx.loaders.transactionCount.load(accountId),
      ]);
      return toConnection(rows, size, total, false, transactionView);
    }
    const after = decodeCursor(args.after);
    if (!after)
      throw new GraphQLError('`after` is not a valid cursor.', { extensions: { code: 'BAD_USER_INPUT' } });
    const [rows, total] = await Promise.all([
      ctx.em.find(
        CardTransaction,
        { accountId, id: { $lt: after } },
        { orderBy: { id: 'desc' }, limit: size + 1 },
      ),
      ctx.loaders.transactionCount.load(accountId),
    ]);
    return toConnection(rows, size, total, true, transactionView);
  }

  private announce(
    tx: Tx,
    t: CardTransaction,
    what: 'approved' | 'declined' | 'refunded',
    refundAmount = 0,
  ): void {
    const view = transactionView(t);
    tx.emit({
      type: EventType.cardTransactionPosted,
      audience: [t.ownerId],
      objectId: toGlobalId(CARD_TYPE, t.cardId),
      payload: view as unknown as Record<string, unknown>,
    });
    const n = {
      approved: [
        NotificationKind.PURCHASE_APPROVED,
        'Purchase approved',
        `${t.merchantName}: ${money(Number(t.amount))}, due ${t.dueDate}.`,
      ],
      declined: [
        NotificationKind.PURCHASE_DECLINED,
        'Purchase declined',
        `${t.merchantName}: ${money(Number(t.amount))} was declined (${t.declineReason}).`,
      ],
      refunded: [
        NotificationKind.PURCHASE_REFUNDED,
        'Refund received',
        `${t.merchantName} refunded ${money(refundAmount)}.`,
      ],
    }[what] as [NotificationKind, string, string];
    this.s.notifications.notify(tx, t.ownerId, n[0], n[1], n[2], {
      transactionId: toGlobalId(TRANSACTION_TYPE, t.id),
    });
  }
}
