import { LockMode } from '@mikro-orm/core';
import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { Card, CreditAccount } from '../../entities';
import { AccountKind, AccountStatus } from '../../entities/accounts/credit-account.entity';
import { CardStatus } from '../../entities/accounts/card.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { formatMoney } from '../../domain/common/money';
import type { Transactions, Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { DomainError, UserErrorCode, badInput, forbidden } from '../../lib/errors';
import { toGlobalId } from '../../lib/global-id';
import type { AuditService } from '../common/audit.service';
import { checkIdempotencyKey } from '../common/idempotency.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import { afterId, pageSize, toConnection, type Connection, type PageArgs } from '../common/pagination';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { LedgerService } from '../ledger/ledger.service';
import { owedSql } from '../ledger/ledger-sql';
import type { NotificationService } from '../notifications/notification.service';
import { accountView, type AccountView } from './account-view';
import { ACCOUNT_TYPE, lockAccount, type CreditAccountService } from './credit-account.service';

/** Who closes: the request that did it, or (null) the system settling a payment or the daily job. */
type Actor = { requestId: string; viewer?: { userId: string } | null } | null;

/** A closure is pending while it was asked for and the account is not CLOSED yet. */
const pending = (): FilterQuery<CreditAccount> => ({
  closureRequestedAt: { $ne: null },
  status: { $ne: AccountStatus.CLOSED },
});

/**
 * Account closure at the owner's request (SPEC section 4). With nothing owed, the account and
 * its card close at once. With a balance, the card is frozen for new purchases, the request
 * is shown on the account, payments go on, and the account closes by itself in the
 * transaction that brings what it owes to zero: every money path that lowers an account's
 * balance (a settled payment, autopay included, a redemption, a card or checkout refund, a
 * cash draw the provider refused) ends its transaction with `closeIfSettled`, under the
 * account's lock it already holds. The daily job sweeps up any account left settled.
 *
 * What is owed is the balance the API shows: principal, interest and fees receivable on the
 * ledger. A cash draw still being paid out is owed from the moment it was requested, so an
 * account never closes under a payout in flight; a refused draw is taken off again.
 */
export class AccountClosureService {
  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly tx: Transactions,
    private readonly mutations: IdempotentMutations,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly ledger: LedgerService,
    private readonly accounts: CreditAccountService,
  ) {}

  /**
   * The owner asks to close a credit line or a loan. Idempotent by key; a request on an
   * account already closing or closed (with another key) answers the account as it is.
   * Refused while a loan awaits its money (investors' escrow or a payout in flight) and
   * after a charge-off.
   */
  async requestClosure(
    ctx: RequestScope,
    input: { accountId: string; idempotencyKey: string },
  ): Promise<AccountView> {
    requireViewer(ctx);
    checkIdempotencyKey(input.idempotencyKey);
    const call = { operation: 'requestAccountClosure', key: input.idempotencyKey, input: { ...input } };
    const { stored } = await this.mutations.run(ctx, call, async (tx) => {
      const field = ['input', 'accountId'];
      const account = await this.accounts.ownAccount(ctx, tx, input.accountId, field, true);
      if (account.status === AccountStatus.CLOSED || account.closureRequestedAt)
        return { stored: { accountId: account.id } };
      checkClosable(account, field);
      const now = this.clock.now();
      account.closureRequestedAt = now;
      account.updatedAt = now;
      const owed = await this.owed(tx, account);
      this.audit.record(tx, ctx, {
        action: 'account.closure.request',
        objectId: account.id,
        changes: { closureRequestedAt: [null, now.toISOString()], outstandingBalance: owed },
      });
      if (owed === 0) {
        await this.close(tx, ctx, account);
      } else {
        await this.setCards(tx, ctx, account, [CardStatus.ACTIVE], CardStatus.FROZEN);
        const isLine = account.kind === AccountKind.CREDIT_LINE;
        this.notifications.notify(
          tx,
          account.ownerId,
          NotificationKind.ACCOUNT_CLOSURE_REQUESTED,
          'Account closure requested',
          `We will close your ${isLine ? 'credit line' : 'loan account'} as soon as its balance of ${formatMoney(owed)} is paid; payments go on as usual.` +
            (isLine ? ' Your card is frozen for new purchases.' : ''),
          { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
        );
      }
      return { stored: { accountId: account.id } };
    });
    return accountView(await ctx.em.fork().findOneOrFail(CreditAccount, { id: stored.accountId }));
  }

  /**
   * Closes the account if its owner asked for it and it owes nothing now. Called at the end
   * of each transaction that lowers what an account owes, with the account locked by that
   * transaction (the first lock of the one lock order); free for an account never asked to
   * close. Returns whether it closed.
   */
  async closeIfSettled(tx: Tx, account: CreditAccount, ctx: Actor = null): Promise<boolean> {
    if (!account.closureRequestedAt) return false;
    if (account.status !== AccountStatus.ACTIVE && account.status !== AccountStatus.PAID_OFF) return false;
    if ((await this.owed(tx, account)) !== 0) return false;
    await this.close(tx, ctx, account);
    return true;
  }

  /**
   * The daily job's safety net: closes every account whose closure is pending and whose
   * ledger balance is zero, each in its own transaction under its lock. Returns how many.
   */
  async closeSettledAccounts(em: EntityManager): Promise<number> {
    const candidates = (await em.getConnection().execute(
      `select a.id from credit_account a
        where a.closure_requested_at is not null and a.status <> 'CLOSED' and a.status in (?, ?)
          and ${owedSql('a.id')} = 0
        order by a.closure_requested_at`,
      [AccountStatus.ACTIVE, AccountStatus.PAID_OFF],
    )) as { id: string }[];
    let closed = 0;
    for (const { id } of candidates) {
      if (await this.tx.run(em.fork(), async (tx) => this.closeIfSettled(tx, await lockAccount(tx, id))))
        closed++;
    }
    if (closed > 0) this.log.info({ closed }, 'settled accounts closed');
    return closed;
  }

  /** Admins: closures asked for and not done yet (still owing), newest request first. */
  async pendingClosures(ctx: RequestScope, args: PageArgs): Promise<Connection<AccountView>> {
    if (!requireViewer(ctx).isAdmin) throw forbidden();
    const size = pageSize(args.first);
    const after = afterId(args.after);
    let where = pending();
    if (after !== undefined) {
      const cursor = await ctx.em.fork().findOne(CreditAccount, { id: after });
      const at = cursor?.closureRequestedAt;
      if (!at) throw badInput('`after` is not a cursor of this list.');
      where = {
        $and: [
          pending(),
          { $or: [{ closureRequestedAt: { $lt: at } }, { closureRequestedAt: at, id: { $lt: after } }] },
        ],
      };
    }
    const [rows, total] = await Promise.all([
      ctx.em.find(CreditAccount, where, {
        orderBy: { closureRequestedAt: 'desc', id: 'desc' },
        limit: size + 1,
      }),
      ctx.em.count(CreditAccount, pending()),
    ]);
    return toConnection(rows, size, total, after !== undefined, accountView);
  }

  /** Principal, interest and fees the account owes on the ledger, this transaction's postings included. */
  private async owed(tx: Tx, account: CreditAccount): Promise<number> {
    await tx.em.flush();
    const r = (await this.ledger.receivables(tx.em, [account.id])).get(account.id)!;
    return r.principal + r.interest + r.fees;
  }

  /** CLOSED, with its cards; audited and the owner told. */
  private async close(tx: Tx, ctx: Actor, account: CreditAccount): Promise<void> {
    const before = account.status;
    account.status = AccountStatus.CLOSED;
    account.updatedAt = this.clock.now();
    await this.setCards(tx, ctx, account, [CardStatus.ACTIVE, CardStatus.FROZEN], CardStatus.CLOSED);
    this.audit.record(tx, ctx, {
      action: 'account.close',
      objectId: account.id,
      changes: { status: [before, AccountStatus.CLOSED] },
    });
    const isLine = account.kind === AccountKind.CREDIT_LINE;
    this.notifications.notify(
      tx,
      account.ownerId,
      NotificationKind.ACCOUNT_CLOSED,
      'Account closed',
      isLine
        ? 'Your credit line is closed, as you asked, and its card is cancelled. Nothing is owed on it.'
        : 'Your loan account is closed, as you asked. Nothing is owed on it.',
      { accountId: toGlobalId(ACCOUNT_TYPE, account.id) },
    );
  }

  /** The account's cards in one of `from` move to `to`, each audited like a card control. */
  private async setCards(
    tx: Tx,
    ctx: Actor,
    account: CreditAccount,
    from: CardStatus[],
    to: CardStatus,
  ): Promise<void> {
    const now = this.clock.now();
    // Every open card locked (after the account), whatever its status: an unfreeze that raced
    // this request is waited for and its result seen, so no card stays usable.
    const cards = await tx.em.find(
      Card,
      { accountId: account.id, status: { $ne: CardStatus.CLOSED } },
      { lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    for (const card of cards) {
      if (!from.includes(card.status as CardStatus)) continue;
      const before = card.status;
      card.status = to;
      card.updatedAt = now;
      this.audit.record(tx, ctx, {
        action: `card.${to.toLowerCase()}`,
        objectId: card.id,
        changes: { status: [before, to], reason: 'account closure' },
      });
    }
  }
}

/**
 * Only an account the owner can walk away from: not a loan still waiting for its money (its
 * investors' commitments or a payout are in flight), not one charged off (its debt was
 * written off and is being recovered).
 */
function checkClosable(account: CreditAccount, field: string[]): void {
  if (
    account.status === AccountStatus.PENDING_FUNDING ||
    account.status === AccountStatus.PENDING_DISBURSEMENT
  )
    throw new DomainError(
      UserErrorCode.INVALID_STATE,
      `This loan is not paid out yet (${account.status}); it can be closed once it is disbursed and repaid.`,
      field,
    );
  if (account.status === AccountStatus.CHARGED_OFF)
    throw new DomainError(
      UserErrorCode.INVALID_STATE,
      'A charged-off account cannot be closed; please contact us about what is owed on it.',
      field,
    );
}
