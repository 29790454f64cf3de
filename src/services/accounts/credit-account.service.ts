import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import { Card, CreditAccount, CreditApplication, CreditDecision } from '../../entities';
import { AccountKind, AccountStatus } from '../../entities/accounts/credit-account.entity';
import { CardStatus } from '../../entities/accounts/card.entity';
import { ApplicationStatus } from '../../entities/applications/credit-application.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode, forbidden } from '../../lib/errors';
import { localId, toGlobalId } from '../../lib/global-id';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { applicationView, decisionView, type ApplicationView } from '../applications/application-view';
import { APPLICATION_TYPE, applicationUpdatedEvent } from '../applications/credit-application.service';
import type { Clock } from '../../lib/clock';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';
import type { NotificationService } from '../notifications/notification.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { CardVault } from './card-vault';
import { listedAmount } from '../../domain/marketplace/listing-rules';
import { openListing } from '../marketplace/listing-opening';
import { accountView, cardView, type AccountView, type CardView } from './account-view';

export const ACCOUNT_TYPE = 'CreditAccount';
export const CARD_TYPE = 'Card';
/** Virtual cards expire three years after issue. */
const CARD_YEARS = 3;

export type FundingSource = 'PLATFORM' | 'MARKETPLACE';

/**
 * Locks a credit account for a money path: after the idempotency key, the first lock of the
 * one lock order (`src/db/transactions.ts`).
 */
export function lockAccount(tx: Tx, accountId: string): Promise<CreditAccount> {
  return tx.em.findOneOrFail(CreditAccount, { id: accountId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/**
 * Refused unless the application is APPROVED with its offer still open; a credit line takes
 * no funding choice (the platform funds it).
 */
function checkOfferAcceptable(app: CreditApplication, now: Date, funding?: FundingSource | null): void {
  const lapsed =
    app.status === ApplicationStatus.EXPIRED ||
    (app.status === ApplicationStatus.APPROVED && app.offerExpiresAt && app.offerExpiresAt <= now);
  if (lapsed) {
    throw new DomainError(UserErrorCode.OFFER_EXPIRED, 'This offer has expired.', ['input', 'applicationId']);
  }
  if (app.status !== ApplicationStatus.APPROVED) {
    throw new DomainError(
      UserErrorCode.INVALID_STATE,
      `An application that is ${app.status} has no offer to accept.`,
      ['input', 'applicationId'],
    );
  }
  if (app.product === AccountKind.CREDIT_LINE && funding) {
    throw new DomainError(
      UserErrorCode.INVALID_INPUT,
      'A credit line is funded by the platform; leave funding out.',
      ['input', 'funding'],
    );
  }
}

/**
 * Credit accounts and their cards: opening one by accepting an offer, reading it, and the
 * card controls (reveal, freeze, unfreeze, close).
 */
export class CreditAccountService {
  constructor(
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly cards: CardVault,
  ) {}

  /**
   * Accepts an approved offer: the application becomes ACCEPTED and exactly one account
   * opens (a credit line with its card at once, or a loan awaiting funding). Runs under the
   * application's row lock, so it races safely with cancellation and with itself.
   */
  async acceptOffer(
    ctx: RequestScope,
    input: { applicationId: string; funding?: FundingSource | null },
  ): Promise<{ application: ApplicationView; account: AccountView }> {
    const viewer = requireViewer(ctx);
    const id = localId(input.applicationId, APPLICATION_TYPE);
    const notFound = () =>
      new DomainError(UserErrorCode.NOT_FOUND, 'No such application.', ['input', 'applicationId']);
    if (!id) throw notFound();
    try {
      return await this.tx.run(ctx.em, async (tx) => {
        const app = await tx.em.findOne(CreditApplication, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!app || app.applicantId !== viewer.userId) throw notFound();
        const now = this.clock.now();
        checkOfferAcceptable(app, now, input.funding);
        const decision = await tx.em.findOneOrFail(CreditDecision, { id: app.decisionId! });
        const isLine = app.product === AccountKind.CREDIT_LINE;
        const funding: FundingSource | null = isLine ? null : (input.funding ?? 'PLATFORM');
        const account = this.openAccount(tx, app, decision, funding, now);
        app.status = ApplicationStatus.ACCEPTED;
        app.updatedAt = now;
        app.version++;
        await tx.em.flush(); // the unique application_id makes a second account impossible
        if (isLine) this.issueCard(tx, account);
        const view = applicationView(app, decisionView(decision));
        this.announceAcceptance(ctx, tx, app, account, funding);
        return { application: view, account: accountView(account) };
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new DomainError(UserErrorCode.INVALID_STATE, 'This offer was already accepted.', [
          'input',
          'applicationId',
        ]);
      }
      throw err;
    }
  }

  /**
   * Opens the account the offer describes, with its ledger accounts: a credit line active at
   * once with the whole limit available; a loan awaiting its funding, with none (a
   * marketplace loan listed for investors).
   */
  private openAccount(
    tx: Tx,
    app: CreditApplication,
    decision: CreditDecision,
    funding: FundingSource | null,
    now: Date,
  ): CreditAccount {
    const isLine = app.product === AccountKind.CREDIT_LINE;
    const approved = Number(decision.approvedAmount);
    // A marketplace loan is the approved amount rounded down to whole $25 notes.
    const limit = funding === 'MARKETPLACE' ? listedAmount(approved) : approved;
    const account = tx.em.create(CreditAccount, {
      ownerId: app.applicantId,
      applicationId: app.id,
      kind: app.product,
      status: isLine
        ? AccountStatus.ACTIVE
        : funding === 'MARKETPLACE'
          ? AccountStatus.PENDING_FUNDING
          : AccountStatus.PENDING_DISBURSEMENT,
      aprBp: decision.aprBp!,
      creditLimit: limit,
      availableCredit: isLine ? limit : 0,
      fundingSource: funding,
      termMonths: isLine ? null : app.termMonths,
      openedAt: now,
      createdAt: now,
      updatedAt: now,
    });
    tx.em.persist(account);
    this.ledger.openAccount(tx, account.id);
    if (funding === 'MARKETPLACE') openListing(tx, account, decision.grade!, now);
    return account;
  }

  /** `applicationUpdated`, the owner's notification (card ready, or loan open) and the audit line. */
  private announceAcceptance(
    ctx: RequestScope,
    tx: Tx,
    app: CreditApplication,
    account: CreditAccount,
    funding: FundingSource | null,
  ): void {
    const isLine = app.product === AccountKind.CREDIT_LINE;
    tx.emit(applicationUpdatedEvent(app.id, app.applicantId));
    this.notifications.notify(
      tx,
      app.applicantId,
      isLine ? NotificationKind.CARD_ISSUED : NotificationKind.ACCOUNT_OPENED,
      isLine ? 'Your card is ready' : 'Your loan account is open',
      isLine
        ? 'Your credit line is open and your virtual card is ready to use.'
        : funding === 'MARKETPLACE'
          ? 'Your loan is listed for investors; we will tell you when it is funded.'
          : 'Request the disbursement when you are ready.',
      { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
    );
    this.audit.record(tx, ctx, {
      action: 'application.accept',
      objectId: app.id,
      changes: { status: ['APPROVED', 'ACCEPTED'], accountId: account.id, funding },
    });
  }

  /** An account of the caller's (admins: anyone's); null otherwise, as for a missing id. */
  async get(ctx: RequestScope, globalId: string): Promise<AccountView | null> {
    const viewer = requireViewer(ctx);
    const id = localId(globalId, ACCOUNT_TYPE);
    if (!id) return null;
    const account = await ctx.loaders.accountById.load(id);
    return account && (account.ownerId === viewer.userId || viewer.isAdmin) ? accountView(account) : null;
  }

  async listFor(ctx: RequestScope, userId: string): Promise<AccountView[]> {
    const viewer = requireViewer(ctx);
    if (viewer.userId !== userId && !viewer.isAdmin) throw forbidden();
    return (await ctx.loaders.accountsByOwner.load(userId)).map(accountView);
  }

  /*
   * What an account shows beside its own fields. The account itself was found through `get`
   * or `listFor`, which decided whether the caller may see it; these read through the
   * request's loaders, so a page of accounts costs one statement per kind of lookup.
   */

  /** Principal, interest and fees owed, from the ledger. */
  async outstandingBalance(ctx: RequestScope, accountId: string): Promise<number> {
    requireViewer(ctx);
    const r = await ctx.loaders.receivables.load(accountId);
    return r.principal + r.interest + r.fees;
  }

  async cardsOf(ctx: RequestScope, accountId: string): Promise<CardView[]> {
    requireViewer(ctx);
    return (await ctx.loaders.cardsByAccount.load(accountId)).map(cardView);
  }

  /** The account behind an id for an action by its owner (or, for admin actions, an admin). */
  async ownAccount(
    ctx: RequestScope,
    tx: Tx,
    globalId: string,
    field: string[],
    lock = false,
  ): Promise<CreditAccount> {
    const viewer = requireViewer(ctx);
    const id = localId(globalId, ACCOUNT_TYPE);
    const account = id
      ? await tx.em.findOne(CreditAccount, { id }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {})
      : null;
    if (!account || account.ownerId !== viewer.userId)
      throw new DomainError(UserErrorCode.NOT_FOUND, 'No such account.', field);
    return account;
  }

  // ---- cards

  /** Full card number and CVV for the owner only; every reveal is audited. */
  async revealCard(ctx: RequestScope, cardGlobalId: string) {
    const card = await this.ownCard(ctx, cardGlobalId);
    if (card.status === CardStatus.CLOSED) {
      throw new DomainError(UserErrorCode.INVALID_STATE, 'This card is closed.', ['input', 'cardId']);
    }
    const pan = this.cards.decrypt(card.panEncrypted);
    await this.tx.run(ctx.em, async (tx) => {
      this.audit.record(tx, ctx, { action: 'card.reveal', objectId: card.id });
    });
    return {
      pan,
      cvv: this.cards.cvv(pan, card.expiryMonth, card.expiryYear),
      expiryMonth: card.expiryMonth,
      expiryYear: card.expiryYear,
    };
  }

  freezeCard(ctx: RequestScope, cardGlobalId: string): Promise<CardView> {
    return this.setCardStatus(ctx, cardGlobalId, 'owner', CardStatus.ACTIVE, CardStatus.FROZEN);
  }

  unfreezeCard(ctx: RequestScope, cardGlobalId: string): Promise<CardView> {
    return this.setCardStatus(ctx, cardGlobalId, 'owner', CardStatus.FROZEN, CardStatus.ACTIVE);
  }

  closeCard(ctx: RequestScope, cardGlobalId: string): Promise<CardView> {
    if (!requireViewer(ctx).isAdmin) throw forbidden();
    return this.setCardStatus(ctx, cardGlobalId, 'admin', null, CardStatus.CLOSED);
  }

  async getCard(ctx: RequestScope, id: string): Promise<CardView | null> {
    const viewer = requireViewer(ctx);
    const card = await ctx.em.findOne(Card, { id });
    return card && (card.ownerId === viewer.userId || viewer.isAdmin) ? cardView(card) : null;
  }

  private issueCard(tx: Tx, account: CreditAccount): Card {
    const now = this.clock.now();
    const pan = this.cards.newPan();
    const card = tx.em.create(Card, {
      accountId: account.id,
      ownerId: account.ownerId,
      panEncrypted: this.cards.encrypt(pan),
      panHash: this.cards.hash(pan),
      last4: pan.slice(-4),
      expiryMonth: now.getUTCMonth() + 1,
      expiryYear: now.getUTCFullYear() + CARD_YEARS,
      status: CardStatus.ACTIVE,
      createdAt: now,
      updatedAt: now,
    });
    tx.em.persist(card);
    this.audit.record(tx, null, {
      action: 'card.issue',
      objectId: card.id,
      actorId: account.ownerId,
      changes: { last4: card.last4 },
    });
    return card;
  }

  private async ownCard(ctx: RequestScope, cardGlobalId: string): Promise<Card> {
    const viewer = requireViewer(ctx);
    const id = localId(cardGlobalId, CARD_TYPE);
    const card = id ? await ctx.em.findOne(Card, { id }) : null;
    if (!card || card.ownerId !== viewer.userId)
      throw new DomainError(UserErrorCode.NOT_FOUND, 'No such card.', ['input', 'cardId']);
    return card;
  }

  private async setCardStatus(
    ctx: RequestScope,
    cardGlobalId: string,
    who: 'owner' | 'admin',
    from: CardStatus | null,
    to: CardStatus,
  ): Promise<CardView> {
    const viewer = requireViewer(ctx);
    const id = localId(cardGlobalId, CARD_TYPE);
    const notFound = () => new DomainError(UserErrorCode.NOT_FOUND, 'No such card.', ['input', 'cardId']);
    if (!id) throw notFound();
    return this.tx.run(ctx.em, async (tx) => {
      const card = await tx.em.findOne(Card, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!card || (who === 'owner' && card.ownerId !== viewer.userId)) throw notFound();
      const allowed = from === null ? card.status !== CardStatus.CLOSED : card.status === from;
      if (!allowed) {
        throw new DomainError(UserErrorCode.INVALID_STATE, `The card is ${card.status}.`, [
          'input',
          'cardId',
        ]);
      }
      if (to === CardStatus.ACTIVE) {
        // A card frozen by a closure request stays frozen: the line takes no new purchases.
        const account = await tx.em.findOneOrFail(CreditAccount, { id: card.accountId });
        if (account.closureRequestedAt)
          throw new DomainError(
            UserErrorCode.INVALID_STATE,
            'This credit line is being closed at your request; its card stays frozen.',
            ['input', 'cardId'],
          );
      }
      const before = card.status;
      card.status = to;
      card.updatedAt = this.clock.now();
      this.audit.record(tx, ctx, {
        action: `card.${to.toLowerCase()}`,
        objectId: card.id,
        changes: { status: [before, to] },
      });
      return cardView(card);
    });
  }
}
