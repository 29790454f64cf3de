import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { formatMoney } from '../../domain/common/money';
import {
  listingFundedPosting,
  noteCommitmentPosting,
  noteCommitmentRefundPosting,
} from '../../domain/ledger/ledger';
import { NOTE_UNIT, isNoteAmount } from '../../domain/marketplace/listing-rules';
import { CreditAccount, Listing, Note } from '../../entities';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { Role } from '../../entities/identity/user.entity';
import { ListingStatus, NoteStatus } from '../../entities/marketplace/marketplace.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode, forbidden } from '../../lib/errors';
import { localId, toGlobalId } from '../../lib/global-id';
import { EventType, roleAudience, type NewEvent } from '../../subscriptions/common/topics';
import { requireViewer, type RequestScope, type Viewer } from '../common/request-scope';
import { findPage, mapConnection, type Connection, type PageArgs } from '../common/pagination';
import { ACCOUNT_TYPE, lockAccount } from '../accounts/credit-account.service';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { Transactions } from '../../db/transactions';
import type { AuditService } from '../common/audit.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import type { NotificationService } from '../notifications/notification.service';
import type { LedgerService } from '../ledger/ledger.service';
import type { PayoutService } from '../repayments/payout.service';
import { creditInvestorCash, debitInvestorCash } from './investor-cash';
import {
  LISTING_TYPE,
  NOTE_TYPE,
  listingView,
  noteView,
  type ListingView,
  type NoteView,
} from './marketplace-view';

/** The most listings one `autoInvest` call invests in. */
const AUTO_INVEST_MAX_LISTINGS = 100;

/** The live event of any change to a listing's funding; every investor may watch, and its borrower. */
export const listingFundingChangedEvent = (l: Listing): NewEvent => ({
  type: EventType.listingFundingChanged,
  audience: [roleAudience(Role.INVESTOR), l.borrowerId],
  objectId: toGlobalId(LISTING_TYPE, l.id),
  payload: { id: l.id },
});

const isInvestor = (v: Viewer) => v.roles.includes(Role.INVESTOR);

/**
 * The marketplace's listings and investments (SPEC section 7): investors browse listings and
 * buy $25 notes; the database keeps a listing from being funded past its amount and an
 * investor's cash from going below zero, whatever the concurrency. The investment that
 * funds a listing's last dollar issues the notes and starts the loan's payout in its own
 * transaction; the gateway is asked after the commit.
 *
 * Lock order (after the idempotency key): the loan account, the listing, then the investor's
 * cash, the same order a borrower payment and the daily job take (account, then notes and
 * cash), so none of them can deadlock another.
 */
export class ListingService {
  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly mutations: IdempotentMutations,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly payouts: PayoutService,
  ) {}

  /** Investors (and admins): listings, newest first, by grades and status. */
  async list(
    ctx: RequestScope,
    args: PageArgs & { grades?: string[] | null; status?: string | null },
  ): Promise<Connection<ListingView>> {
    const viewer = requireViewer(ctx);
    if (!isInvestor(viewer) && !viewer.isAdmin) throw forbidden();
    const where: FilterQuery<Listing> = {};
    if (args.grades?.length) where.grade = { $in: args.grades };
    if (args.status) where.status = args.status;
    const page = await findPage(ctx.em, Listing, where, args, 'desc');
    for (const e of page.edges) ctx.loaders.listingById.prime(e.node.id, e.node);
    return mapConnection(page, listingView);
  }

  /** One listing: for any investor, its borrower and admins; null for anyone else, as for a missing id. */
  async get(ctx: RequestScope, globalId: string): Promise<ListingView | null> {
    const id = localId(globalId, LISTING_TYPE);
    return id ? this.byLocalId(ctx, id) : null;
  }

  async byLocalId(ctx: RequestScope, id: string): Promise<ListingView | null> {
    const viewer = requireViewer(ctx);
    const l = await ctx.loaders.listingById.load(id);
    if (!l) return null;
    return isInvestor(viewer) || viewer.isAdmin || l.borrowerId === viewer.userId ? listingView(l) : null;
  }

  /** A live event's listing, fresh from the database (its audience was checked by the stream). */
  async loadForEvent(ctx: RequestScope, id: string): Promise<ListingView> {
    const l = await ctx.em.fork().findOneOrFail(Listing, { id });
    return listingView(l);
  }

  /** The listing of a loan account, for whoever may see the account. */
  async forAccount(ctx: RequestScope, accountId: string): Promise<ListingView | null> {
    const l = await ctx.loaders.listingByAccount.load(accountId);
    return l ? listingView(l) : null;
  }

  /** An investor's note, for that investor (and admins) only. */
  async note(ctx: RequestScope, id: string): Promise<NoteView | null> {
    const viewer = requireViewer(ctx);
    const n = await ctx.em.findOne(Note, { id });
    return n && (n.investorId === viewer.userId || viewer.isAdmin) ? noteView(n) : null;
  }

  /**
   * Buys a note of `amount` ($25 units) in a listing, idempotently. The funding and the cash
   * are both taken by guarded updates, so concurrent investors can never overfund a listing
   * or overdraw their cash; the one who funds the last dollar issues the notes.
   */
  async invest(
    ctx: RequestScope,
    input: { listingId: string; amount: number; idempotencyKey: string },
  ): Promise<{ note: NoteView; listing: ListingView }> {
    const viewer = requireViewer(ctx);
    if (!isInvestor(viewer)) throw forbidden();
    checkNoteAmount(input.amount, ['input', 'amount']);
    const id = localId(input.listingId, LISTING_TYPE);
    if (!id) throw noSuchListing();
    const call = { operation: 'invest', key: input.idempotencyKey, input };
    const outcome = await this.mutations.run(ctx, call, async (tx) => {
      const listing = await tx.em.findOne(Listing, { id }, { fields: ['id', 'accountId', 'borrowerId'] });
      if (!listing) throw noSuchListing();
      const r = await this.buyNote(ctx, tx, listing, input.amount, ['input', 'amount']);
      return { stored: { noteId: r.note.id }, local: r.disbursementId };
    });
    if (outcome.local) await this.payouts.pay(ctx.em, outcome.local);
    const em = ctx.em.fork();
    const note = await em.findOneOrFail(Note, { id: outcome.stored.noteId });
    return {
      note: noteView(note),
      listing: listingView(await em.findOneOrFail(Listing, { id: note.listingId })),
    };
  }

  /**
   * Spreads `amount` over OPEN listings of the given grades, oldest first, `amountPerLoan`
   * each (default $25), never twice in one listing per call, skipping a listing it cannot
   * fund (full, its own loan, not enough of the amount or of the cash left). One call is one
   * idempotent unit: all its notes or none.
   */
  async autoInvest(
    ctx: RequestScope,
    input: { amount: number; grades: string[]; amountPerLoan?: number | null; idempotencyKey: string },
  ): Promise<NoteView[]> {
    const viewer = requireViewer(ctx);
    if (!isInvestor(viewer)) throw forbidden();
    const perLoan = input.amountPerLoan ?? NOTE_UNIT;
    checkNoteAmount(perLoan, ['input', 'amountPerLoan']);
    if (input.amount < perLoan) {
      throw new DomainError(
        UserErrorCode.INVALID_INPUT,
        `The amount must be at least the amount per loan (${formatMoney(perLoan)}).`,
        ['input', 'amount'],
      );
    }
    if (!input.grades.length)
      throw new DomainError(UserErrorCode.INVALID_INPUT, 'Choose at least one grade.', ['input', 'grades']);
    const call = { operation: 'autoInvest', key: input.idempotencyKey, input };
    const outcome = await this.mutations.run(ctx, call, async (tx) => {
      const now = this.clock.now();
      const candidates = await tx.em.find(
        Listing,
        {
          status: ListingStatus.OPEN,
          grade: { $in: input.grades },
          expiresAt: { $gt: now },
          borrowerId: { $ne: viewer.userId },
        },
        { orderBy: { id: 'asc' }, limit: AUTO_INVEST_MAX_LISTINGS * 4 },
      );
      const noteIds: string[] = [];
      const payouts: string[] = [];
      let left = input.amount;
      for (const listing of candidates) {
        if (left < perLoan || noteIds.length >= AUTO_INVEST_MAX_LISTINGS) break;
        if (Number(listing.amount) - Number(listing.funded) < perLoan) continue;
        const bought = await this.tryBuy(ctx, tx, listing, perLoan);
        if (bought === 'NO_CASH') break;
        if (!bought) continue;
        noteIds.push(bought.note.id);
        if (bought.disbursementId) payouts.push(bought.disbursementId);
        left -= perLoan;
      }
      return { stored: { noteIds }, local: payouts };
    });
    for (const id of outcome.local ?? []) await this.payouts.pay(ctx.em, id);
    if (!outcome.stored.noteIds.length) return [];
    const notes = await ctx.em
      .fork()
      .find(Note, { id: { $in: outcome.stored.noteIds } }, { orderBy: { id: 'asc' } });
    return notes.map(noteView);
  }

  /** One autoInvest purchase in a savepoint: a refusal skips the listing without undoing the others. */
  private async tryBuy(
    ctx: RequestScope,
    tx: Tx,
    listing: Listing,
    amount: number,
  ): Promise<{ note: Note; disbursementId: string | null } | null | 'NO_CASH'> {
    try {
      return await tx.savepoint((inner) => this.buyNote(ctx, inner, listing, amount, ['input', 'amount']));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return err.errors[0]?.code === UserErrorCode.INSUFFICIENT_FUNDS ? 'NO_CASH' : null;
    }
  }

  /**
   * The purchase itself, in the caller's transaction: lock the loan account, take the
   * listing's funding (guarded), take the investor's cash (guarded), write the note and its
   * ledger entry; if that was the last dollar, fund the listing.
   */
  private async buyNote(
    ctx: RequestScope,
    tx: Tx,
    target: Pick<Listing, 'id' | 'accountId' | 'borrowerId'>,
    amount: number,
    field: string[],
  ): Promise<{ note: Note; disbursementId: string | null }> {
    const viewer = requireViewer(ctx);
    if (target.borrowerId === viewer.userId) {
      throw new DomainError(UserErrorCode.INVALID_STATE, 'You cannot invest in your own loan.', [
        'input',
        'listingId',
      ]);
    }
    const account = await lockAccount(tx, target.accountId);
    const now = this.clock.now();
    const conn = tx.em.getConnection();
    const tctx = tx.em.getTransactionContext();
    const taken = (await conn.execute(
      `update listing set funded = funded + ?, updated_at = ?
        where id = ? and status = 'OPEN' and expires_at > ? and funded + ? <= amount
        returning funded, amount`,
      [amount, now, target.id, now, amount],
      'all',
      tctx,
    )) as { funded: string; amount: string }[];
    if (taken.length === 0) {
      const listing = await tx.em.findOneOrFail(Listing, { id: target.id }, { refresh: true });
      if (listing.status !== ListingStatus.OPEN || listing.expiresAt <= now) {
        throw new DomainError(
          UserErrorCode.INVALID_STATE,
          `This listing is ${listing.status === ListingStatus.OPEN ? 'EXPIRED' : listing.status} and takes no more investments.`,
          ['input', 'listingId'],
        );
      }
      throw new DomainError(
        UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
        `Only ${formatMoney(Number(listing.amount) - Number(listing.funded))} of this listing is left to fund.`,
        field,
      );
    }
    await debitInvestorCash(tx, viewer.userId, amount, field);
    const note = tx.em.create(Note, {
      listingId: target.id,
      investorId: viewer.userId,
      amount,
      status: NoteStatus.ACTIVE,
      createdAt: now,
      updatedAt: now,
    });
    tx.em.persist(note);
    this.ledger.post(tx, noteCommitmentPosting(viewer.userId, amount), { refId: note.id });
    await tx.em.flush();
    await conn.execute(
      `update listing set investor_count = (select count(distinct investor_id) from note
          where listing_id = ? and status <> 'CANCELLED') where id = ?`,
      [target.id, target.id],
      'run',
      tctx,
    );
    const listing = await tx.em.findOneOrFail(Listing, { id: target.id }, { refresh: true });
    this.audit.record(tx, ctx, {
      action: 'listing.invest',
      objectId: listing.id,
      changes: { noteId: note.id, amount, funded: Number(listing.funded) },
    });
    tx.emit(listingFundingChangedEvent(listing));
    const funded = Number(listing.funded) === Number(listing.amount);
    return { note, disbursementId: funded ? await this.fund(tx, account, listing, now) : null };
  }

  /**
   * The last dollar is in: the listing is FUNDED, the commitments become notes the platform
   * owes their holders, the loan awaits its payout (started once this commits; its schedule
   * starts when it is paid), and the borrower and every investor are told.
   */
  private async fund(tx: Tx, account: CreditAccount, listing: Listing, now: Date): Promise<string> {
    listing.status = ListingStatus.FUNDED;
    listing.fundedAt = now;
    listing.closedAt = now;
    listing.updatedAt = now;
    account.status = AccountStatus.PENDING_DISBURSEMENT;
    account.updatedAt = now;
    this.ledger.post(tx, listingFundedPosting(Number(listing.amount)), {
      creditAccountId: account.id,
      refId: listing.id,
    });
    const disbursementId = this.payouts.createLoanDisbursement(tx, account);
    const listingId = toGlobalId(LISTING_TYPE, listing.id);
    this.notifications.notify(
      tx,
      account.ownerId,
      NotificationKind.LOAN_FUNDED,
      'Your loan is funded',
      `Investors funded your loan of ${formatMoney(Number(listing.amount))}; the money is on its way.`,
      { accountId: toGlobalId(ACCOUNT_TYPE, account.id), listingId },
    );
    const investors = (await tx.em
      .getConnection()
      .execute(
        `select investor_id, sum(amount)::bigint as amount from note where listing_id = ? and status = 'ACTIVE' group by investor_id`,
        [listing.id],
        'all',
        tx.em.getTransactionContext(),
      )) as { investor_id: string; amount: string }[];
    for (const i of investors) {
      this.notifications.notify(
        tx,
        i.investor_id,
        NotificationKind.LOAN_FUNDED,
        'A loan you invested in is funded',
        `A grade ${listing.grade} loan is fully funded; your ${formatMoney(Number(i.amount))} in notes starts earning when it is paid out.`,
        { listingId },
      );
    }
    this.audit.record(tx, null, {
      action: 'listing.funded',
      objectId: listing.id,
      actorId: null,
      changes: { status: ['OPEN', 'FUNDED'], amount: Number(listing.amount), disbursementId },
    });
    tx.emit(listingFundingChangedEvent(listing));
    return disbursementId;
  }

  /**
   * The daily job: OPEN listings past their 14 days are EXPIRED, their notes CANCELLED,
   * every commitment back in its investor's cash, the loan account CLOSED, all told. Each
   * listing in its own transaction, under the account's lock.
   */
  async expire(em: EntityManager, asOf: Date): Promise<number> {
    const due = await em
      .fork()
      .find(
        Listing,
        { status: ListingStatus.OPEN, expiresAt: { $lte: asOf } },
        { fields: ['id', 'accountId'], orderBy: { id: 'asc' } },
      );
    let expired = 0;
    for (const { id, accountId } of due) {
      const done = await this.tx.run(em.fork(), async (tx) => {
        const account = await lockAccount(tx, accountId);
        const listing = await tx.em.findOneOrFail(Listing, { id });
        if (listing.status !== ListingStatus.OPEN) return false;
        await this.expireOne(tx, account, listing, asOf);
        return true;
      });
      if (done) expired++;
    }
    return expired;
  }

  private async expireOne(tx: Tx, account: CreditAccount, listing: Listing, asOf: Date): Promise<void> {
    const notes = await tx.em.find(
      Note,
      { listingId: listing.id, status: NoteStatus.ACTIVE },
      { orderBy: { id: 'asc' } },
    );
    const back = new Map<string, number>();
    for (const n of notes) {
      n.status = NoteStatus.CANCELLED;
      n.updatedAt = asOf;
      back.set(n.investorId, (back.get(n.investorId) ?? 0) + Number(n.amount));
    }
    for (const [investorId, amount] of back) {
      await creditInvestorCash(tx, investorId, amount);
      this.ledger.post(tx, noteCommitmentRefundPosting(investorId, amount), { refId: listing.id });
      this.notifications.notify(
        tx,
        investorId,
        NotificationKind.LISTING_EXPIRED,
        'A listing expired unfunded',
        `A grade ${listing.grade} listing was not fully funded in time; your ${formatMoney(amount)} is back in your cash.`,
        { listingId: toGlobalId(LISTING_TYPE, listing.id) },
      );
    }
    listing.status = ListingStatus.EXPIRED;
    listing.closedAt = asOf;
    listing.updatedAt = asOf;
    account.status = AccountStatus.CLOSED;
    account.updatedAt = asOf;
    this.notifications.notify(
      tx,
      account.ownerId,
      NotificationKind.LISTING_EXPIRED,
      'Your loan was not funded',
      `Investors funded ${formatMoney(Number(listing.funded))} of ${formatMoney(Number(listing.amount))} in 14 days, so the listing expired and the loan account is closed. You may apply again.`,
      { accountId: toGlobalId(ACCOUNT_TYPE, account.id), listingId: toGlobalId(LISTING_TYPE, listing.id) },
    );
    this.audit.record(tx, null, {
      action: 'listing.expire',
      objectId: listing.id,
      actorId: null,
      changes: { status: ['OPEN', 'EXPIRED'], funded: Number(listing.funded), notesCancelled: notes.length },
    });
    tx.emit(listingFundingChangedEvent(listing));
    this.log.info({ listingId: listing.id, refunded: notes.length }, 'listing expired');
  }
}

function checkNoteAmount(amount: number, field: string[]): void {
  if (!isNoteAmount(amount)) {
    throw new DomainError(
      UserErrorCode.INVALID_INPUT,
      'Invest in whole notes of $25.00: at least $25.00, in multiples of $25.00.',
      field,
    );
  }
}

const noSuchListing = () =>
  new DomainError(UserErrorCode.NOT_FOUND, 'No such listing.', ['input', 'listingId']);

export { NOTE_TYPE };
