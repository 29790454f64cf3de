import { addDays } from '../../domain/common/calendar';
import { INTEREST_FREE_DAYS } from '../../domain/common/amortization';
import { purchasePosting } from '../../domain/ledger/ledger';
import { purchasePoints } from '../../domain/rewards/rewards';
import { Card, CardTransaction, CreditAccount } from '../../entities';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { CardStatus } from '../../entities/accounts/card.entity';
import { DeclineReason, TransactionStatus } from '../../entities/accounts/card-transaction.entity';
import { RewardReason } from '../../entities/rewards/rewards.entity';
import { DomainError, FieldErrors, UserErrorCode } from '../../lib/errors';
import { localId } from '../../lib/global-id';
import { findPage, mapConnection, pageSize, toConnection, type Connection } from '../common/pagination';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { CARD_TYPE } from './credit-account.service';
import { DraftTx, isRetryable, type Transactions, type Tx } from '../../db/transactions';
import type { Knex } from '@mikro-orm/postgresql';
import { checkIdempotencyKey, hashInput } from '../common/idempotency.service';
import { PurchaseApproval } from './purchase-statement';
import { runPrepared } from '../../db/prepared';
import type { Clock } from '../../lib/clock';
import type { AuditService } from '../common/audit.service';
import type { NotificationService } from '../notifications/notification.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { RewardPointsService } from '../rewards/reward-points.service';

import type { IdempotentCall, IdempotentMutations } from '../common/idempotent-mutation';
import type { InstallmentPlanService } from './installment-plan.service';
import { announceTransaction, transactionView, type TransactionView } from './transaction-view';
import { accountView, type AccountView } from './account-view';

const UNIQUE_VIOLATION = '23505';
/** Cards whose account and owner are remembered (about 100 bytes each). */
const MAX_REMEMBERED_CARDS = 100_000;

/** Longest merchant name a purchase (or a charge named after one) carries. */
export const MAX_MERCHANT = 200;

export interface AuthorizeInput {
  cardId: string;
  amount: number;
  merchantName: string;
  category: string;
  idempotencyKey: string;
}

/** Refused with every field error at once: a positive amount and a merchant name. Returns the name trimmed. */
function checkPurchaseInput(input: AuthorizeInput): string {
  const errors = new FieldErrors();
  if (input.amount <= 0) errors.add(['input', 'amount'], 'The amount must be more than zero.');
  const merchant = input.merchantName.trim();
  if (!merchant) errors.add(['input', 'merchantName'], 'Name the merchant.');
  if (input.merchantName.length > MAX_MERCHANT)
    errors.add(['input', 'merchantName'], `Use at most ${MAX_MERCHANT} characters.`);
  errors.throwIfAny();
  return merchant;
}

/** Why the card itself declines a purchase at `now` (frozen, closed, expired), or null. */
function cardDecline(card: Card, now: Date): DeclineReason | null {
  return card.status === CardStatus.FROZEN
    ? DeclineReason.CARD_FROZEN
    : card.status === CardStatus.CLOSED
      ? DeclineReason.CARD_CLOSED
      : card.expiryYear * 12 + card.expiryMonth < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1
        ? DeclineReason.CARD_EXPIRED
        : null;
}

/**
 * Card purchases. Available credit moves with one guarded UPDATE (`available_credit >=
 * amount`), so concurrent purchases on one account serialise on its row and can never
 * overspend; the database's check constraint backs it.
 */
export class CardTransactionService {
  /** The one-statement approval, built from the ORM's metadata on first use. */
  private approval: PurchaseApproval | null = null;
  private readonly owners = new Map<string, Pick<Card, 'id' | 'accountId' | 'ownerId'>>();

  constructor(
    private readonly clock: Clock,
    private readonly txs: Transactions,
    private readonly knex: Knex,
    private readonly mutations: IdempotentMutations,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly points: RewardPointsService,
    private readonly plans: InstallmentPlanService,
  ) {}

  /**
   * Authorises a purchase on the caller's card: approved, it takes the credit, opens its
   * 45-day bill, posts it and earns its points; declined (card or account state, not enough
   * credit), it is recorded with the reason. Either way a successful mutation.
   */
  async authorize(
    ctx: RequestScope,
    input: AuthorizeInput,
  ): Promise<{ transaction: TransactionView; account: AccountView }> {
    const merchant = checkPurchaseInput(input);
    const cardId = localId(input.cardId, CARD_TYPE);
    const notFound = () => new DomainError(UserErrorCode.NOT_FOUND, 'No such card.', ['input', 'cardId']);
    if (!cardId) throw notFound();
    checkIdempotencyKey(input.idempotencyKey);

    const call = { operation: 'authorizeCardTransaction', key: input.idempotencyKey, input: { ...input } };
    const approved = await this.approveAtOnce(ctx, cardId, input, merchant, call);
    if (approved) return approved;
    // Anything else (a decline, a repeated key, a card not the caller's) takes the general path.
    const outcome = await this.mutations.run(ctx, call, async (tx, viewer) => {
      const card = await tx.em.findOne(Card, { id: cardId });
      if (!card || card.ownerId !== viewer.userId) throw notFound();
      const now = this.clock.now();
      const today = this.clock.today();
      const decline = cardDecline(card, now) ?? (await this.takeCredit(tx, card, input.amount, now));
      const t = this.recordPurchase(tx, card, input, merchant, decline, now, today);
      if (decline === null) await this.billPurchase(tx, t);
      this.auditPurchase(tx, ctx, t);
      announceTransaction(this.notifications, tx, t, decline === null ? 'approved' : 'declined');
      return { stored: { transactionId: t.id }, local: t };
    });
    const t = outcome.replayed
      ? await ctx.em.findOneOrFail(CardTransaction, { id: outcome.stored.transactionId })
      : outcome.local;
    const account = await ctx.em.fork().findOneOrFail(CreditAccount, { id: t.accountId });
    return { transaction: transactionView(t), account: accountView(account) };
  }

  /**
   * The common case in one statement (`PurchaseApproval`): the rows of an approved purchase
   * are built exactly as `authorize` builds them, in a draft transaction (`DraftTx`), and
   * written by one guarded statement. Null when it did not approve (nothing
   * was written): the caller then runs the general path, which records a decline, replays a
   * repeated key or refuses.
   */
  private async approveAtOnce(
    ctx: RequestScope,
    cardId: string,
    input: AuthorizeInput,
    merchant: string,
    call: IdempotentCall,
  ): Promise<{ transaction: TransactionView; account: AccountView } | null> {
    const viewer = requireViewer(ctx);
    const card = await this.cardOwner(ctx, cardId);
    if (!card || card.ownerId !== viewer.userId) return null;
    const now = this.clock.now();
    const draft = new DraftTx(this.clock);
    const t = this.recordPurchase(draft, card, input, merchant, null, now, this.clock.today());
    this.plans.openInterestFreeBill(draft, t);
    this.postPurchase(draft, t);
    if (t.rewardPoints > 0) this.points.record(draft, t.ownerId, t.rewardPoints, RewardReason.PURCHASE, t.id);
    this.auditPurchase(draft, ctx, t);
    announceTransaction(this.notifications, draft, t, 'approved');

    this.approval ??= new PurchaseApproval(ctx.em.getMetadata());
    const { sql, bindings } = this.approval.statement({
      cardId,
      accountId: card.accountId,
      userId: viewer.userId,
      amount: input.amount,
      now,
      key: {
        key: call.key,
        operation: call.operation,
        requestHash: hashInput(call.operation, call.input),
        result: { transactionId: t.id },
      },
      points: t.rewardPoints,
      rows: draft.rows,
    });
    let rows: Record<string, unknown>[];
    try {
      rows = await runPrepared(this.knex, sql, bindings);
    } catch (err) {
      // The key was used already (the general path replays or refuses it), or the statement
      // lost a deadlock against a same-key call on the general path (which retries).
      if ((err as { code?: string }).code === UNIQUE_VIOLATION || isRetryable(err)) return null;
      throw err;
    }
    if (rows.length === 0) return null;
    this.txs.eventsCommitted();
    const account = ctx.em.map(CreditAccount, rows[0]!);
    return { transaction: transactionView(t), account: accountView(account) };
  }

  /**
   * Which account and owner a card belongs to: they never change, so they are remembered
   * (a bounded map); the card's status is always read in the purchase's statement.
   */
  private async cardOwner(
    ctx: RequestScope,
    cardId: string,
  ): Promise<Pick<Card, 'id' | 'accountId' | 'ownerId'> | null> {
    const known = this.owners.get(cardId);
    if (known) return known;
    const card = await ctx.em
      .fork()
      .findOne(Card, { id: cardId }, { fields: ['id', 'accountId', 'ownerId'] });
    if (!card) return null;
    const owner = { id: card.id, accountId: card.accountId, ownerId: card.ownerId };
    if (this.owners.size >= MAX_REMEMBERED_CARDS) this.owners.delete(this.owners.keys().next().value!);
    this.owners.set(cardId, owner);
    return owner;
  }

  /**
   * Takes the purchase's amount off the account's available credit with the one guarded
   * UPDATE the class comment describes. Returns why it could not, or null when it did.
   */
  private async takeCredit(tx: Tx, card: Card, amount: number, now: Date): Promise<DeclineReason | null> {
    const updated = await tx.em.getConnection().execute(
      `update credit_account set available_credit = available_credit - ?, updated_at = ?
        where id = ? and status = ? and available_credit >= ? and closure_requested_at is null returning id`,
      [amount, now, card.accountId, AccountStatus.ACTIVE, amount],
      'all',
      tx.em.getTransactionContext(),
    );
    if (updated.length > 0) return null;
    const account = await tx.em.findOneOrFail(CreditAccount, { id: card.accountId });
    // A line being closed froze its card; a purchase that raced the request is declined as such.
    return account.status !== AccountStatus.ACTIVE
      ? DeclineReason.ACCOUNT_NOT_ACTIVE
      : account.closureRequestedAt
        ? DeclineReason.CARD_FROZEN
        : DeclineReason.INSUFFICIENT_CREDIT;
  }

  /** The purchase as approved (due in 45 days, with its points) or declined (with the reason). */
  private recordPurchase(
    tx: Tx,
    card: Pick<Card, 'id' | 'accountId' | 'ownerId'>,
    input: AuthorizeInput,
    merchant: string,
    decline: DeclineReason | null,
    now: Date,
    today: string,
  ): CardTransaction {
    const approved = decline === null;
    const t = tx.em.create(CardTransaction, {
      cardId: card.id,
      accountId: card.accountId,
      ownerId: card.ownerId,
      amount: input.amount,
      status: approved ? TransactionStatus.APPROVED : TransactionStatus.DECLINED,
      merchantName: merchant,
      category: input.category,
      declineReason: decline,
      rewardPoints: approved ? purchasePoints(input.amount, input.category) : 0,
      dueDate: approved ? addDays(today, INTEREST_FREE_DAYS) : null,
      createdAt: now,
    });
    tx.em.persist(t);
    return t;
  }

  /** The purchase's audit entry: approved or declined (with the reason), on the card. */
  private auditPurchase(tx: Tx, ctx: RequestScope, t: CardTransaction): void {
    this.audit.record(tx, ctx, {
      action: `card_transaction.${t.status === TransactionStatus.APPROVED ? 'approve' : 'decline'}`,
      objectId: t.id,
      changes: {
        cardId: t.cardId,
        accountId: t.accountId,
        amount: Number(t.amount),
        category: t.category,
        status: t.status,
        declineReason: t.declineReason,
      },
    });
  }

  /** An approved purchase: its 45-day bill, its ledger posting and its points. */
  private async billPurchase(tx: Tx, t: CardTransaction): Promise<void> {
    this.plans.openInterestFreeBill(tx, t);
    this.postPurchase(tx, t);
    if (t.rewardPoints > 0)
      await this.points.change(tx, t.ownerId, t.rewardPoints, RewardReason.PURCHASE, t.id);
  }

  private postPurchase(tx: Tx, t: CardTransaction): void {
    this.ledger.post(tx, purchasePosting(t.accountId, Number(t.amount)), {
      creditAccountId: t.accountId,
      refId: t.id,
    });
  }

  async get(ctx: RequestScope, id: string): Promise<TransactionView | null> {
    const viewer = requireViewer(ctx);
    const t = await ctx.em.findOne(CardTransaction, { id });
    return t && (t.ownerId === viewer.userId || viewer.isAdmin) ? transactionView(t) : null;
  }

  /** An account's transactions, newest first. The first page comes batched through a loader. */
  async page(
    ctx: RequestScope,
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
    return mapConnection(await findPage(ctx.em, CardTransaction, { accountId }, args), transactionView);
  }
}
