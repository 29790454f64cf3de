import argon2 from 'argon2';
import type { Transactions } from '../../db/transactions';
import {
  ERASED_FIELDS,
  ERASED_MERCHANT_FIELDS,
  blockerMessage,
  type DeletionBlocker,
} from '../../domain/privacy/erasure';
import type { Clock } from '../../lib/clock';
import { DomainError, UserErrorCode, forbidden, unauthenticated } from '../../lib/errors';
import type { AuditService } from '../common/audit.service';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { RateLimiter } from '../identity/rate-limiter';
import type { SessionService } from '../identity/session.service';
import {
  closeAccounts,
  closeApplications,
  eraseMerchant,
  eraseUser,
  removePersonalRecords,
  revokeSessions,
  scrubShopperMentions,
  type MerchantErasure,
} from './account-erasure';
import { deletionBlockers } from './deletion-blockers';

/** Attempts (with the password) per user in the window: password guessing with a stolen token stays slow. */
const MAX_ATTEMPTS = 5;
const WINDOW_MS = 15 * 60_000;

interface Person {
  email: string;
  name: string;
  passwordHash: string;
}

/**
 * `deleteMyAccount` (SPEC section 2). The password is asked again. Refused, with one userError
 * per reason, while money is owed or held (see `deletionBlockers`). Otherwise, in one
 * transaction: open applications are withdrawn, open accounts and every card closed, every
 * session and merchant API key revoked, webhooks removed, and the person's personal data erased
 * wherever it is held. Financial records (accounts, transactions, plans, payments, ledger,
 * decisions, audit entries) stay and keep the user id, which then names no one. After the
 * commit the person's WebSockets are closed on every instance. Nothing here moves money, so
 * the ledger is untouched.
 */
export class AccountDeletionService {
  constructor(
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async deleteMine(ctx: RequestScope, password: string): Promise<void> {
    const viewer = requireViewer(ctx);
    if (viewer.apiKeyId) throw forbidden(); // a merchant's key never deletes its owner
    const userId = viewer.userId;
    if ((await this.rateLimiter.hit(`delete-account:${userId}`, WINDOW_MS)) > MAX_ATTEMPTS) {
      throw new DomainError(UserErrorCode.RATE_LIMITED, 'Too many attempts. Try again in 15 minutes.');
    }

    const [current] = await this.person(ctx.em, userId, false);
    if (!current) throw unauthenticated();
    const matches = await argon2.verify(current.passwordHash, password).catch(() => false);
    if (!matches) {
      await this.tx.run(ctx.em, async (tx) => {
        this.audit.record(tx, ctx, {
          action: 'user.delete_refused',
          objectId: userId,
          actorId: userId,
          changes: { reason: UserErrorCode.INVALID_CREDENTIALS },
        });
      });
      throw new DomainError(UserErrorCode.INVALID_CREDENTIALS, 'The password is incorrect.', [
        'input',
        'password',
      ]);
    }

    const ended = await this.tx.run(ctx.em, async (tx) => {
      // Lock order: the user, then their accounts, investor cash and merchant, as the money
      // paths take them; a payment or purchase racing with this waits, then finds the account
      // closed.
      const [person] = await this.person(tx.em, userId, true);
      if (!person) throw unauthenticated();
      const conn = tx.em.getConnection();
      const txc = tx.em.getTransactionContext();
      await conn.execute(
        'select id from credit_account where owner_id = ? order by id for update',
        [userId],
        'all',
        txc,
      );
      await conn.execute(
        'select user_id from investor_account where user_id = ? for update',
        [userId],
        'all',
        txc,
      );
      const [merchant] = await conn.execute<{ id: string; business_name: string }[]>(
        'select id, business_name from merchant where user_id = ? for update',
        [userId],
        'all',
        txc,
      );

      const blockers = await deletionBlockers(tx, userId);
      if (blockers.length) throw refusal(blockers);

      const now = this.clock.now();
      const erased = { userId, email: person.email, name: person.name };
      const applications = await closeApplications(tx, userId, now);
      const { accounts, cards } = await closeAccounts(tx, userId, now);
      const sessions = await revokeSessions(tx, userId);
      const removed = await removePersonalRecords(tx, userId);
      const quotes = await scrubShopperMentions(tx, erased);
      const shop: MerchantErasure | null = merchant
        ? await eraseMerchant(tx, { id: merchant.id, businessName: merchant.business_name }, erased, now)
        : null;
      await eraseUser(tx, userId, now);

      // One entry per object that changed state, as its own action would write it; then the
      // deletion itself, naming the fields erased (never their values).
      for (const a of applications)
        this.audit.record(tx, ctx, {
          action: 'application.cancel',
          objectId: a.id,
          changes: { status: [a.before, 'CANCELLED'], reason: 'ACCOUNT_DELETED' },
        });
      for (const a of accounts)
        this.audit.record(tx, ctx, {
          action: 'account.close',
          objectId: a.id,
          changes: { status: [a.before, 'CLOSED'], reason: 'ACCOUNT_DELETED' },
        });
      for (const c of cards)
        this.audit.record(tx, ctx, {
          action: 'card.closed',
          objectId: c.id,
          changes: { status: [c.before, 'CLOSED'] },
        });
      for (const id of shop?.apiKeysRevoked ?? [])
        this.audit.record(tx, ctx, { action: 'api_key.revoke', objectId: id });
      for (const id of shop?.webhooksRemoved ?? [])
        this.audit.record(tx, ctx, { action: 'webhook.remove', objectId: id });
      for (const id of shop?.checkoutsExpired ?? [])
        this.audit.record(tx, ctx, {
          action: 'checkout.expire',
          objectId: id,
          changes: { status: ['OPEN', 'EXPIRED'] },
        });
      this.audit.record(tx, ctx, {
        action: 'user.delete',
        objectId: userId,
        actorId: userId,
        changes: {
          erased: [
            ...ERASED_FIELDS,
            ...(quotes ? ['checkout.order_reference/description quoting the user'] : []),
            ...(shop ? ERASED_MERCHANT_FIELDS : []),
          ],
          applicationsCancelled: applications.length,
          accountsClosed: accounts.length,
          cardsClosed: cards.length,
          sessionsRevoked: sessions.length,
          notificationsRemoved: removed.notifications,
          idempotencyKeysRemoved: removed.idempotencyKeys,
          eventsRemoved: removed.events,
          ...(shop && {
            merchantId: merchant!.id,
            apiKeysRevoked: shop.apiKeysRevoked.length,
            webhooksRemoved: shop.webhooksRemoved.length,
            checkoutsExpired: shop.checkoutsExpired.length,
          }),
        },
      });
      return sessions;
    });
    // After the commit: every instance closes the sessions' sockets (4401) and refuses their tokens.
    this.sessions.announceEnded(ended);
    ctx.log.info({ userId, sessions: ended.length }, 'account deleted');
  }

  /** The live (not deleted) user's email, name and password hash; `lock`: for update, in a transaction. */
  private async person(em: RequestScope['em'], userId: string, lock: boolean): Promise<Person[]> {
    const rows = await em
      .getConnection()
      .execute<{ email: string; name: string; password_hash: string }[]>(
        `select email, name, password_hash from app_user where id = ? and deleted_at is null${lock ? ' for update' : ''}`,
        [userId],
        'all',
        em.getTransactionContext(),
      );
    return rows.map((r) => ({ email: r.email, name: r.name, passwordHash: r.password_hash }));
  }
}

/** The refusal: one INVALID_STATE userError per thing owed or held, none naming a field. */
const refusal = (blockers: DeletionBlocker[]): DomainError =>
  new DomainError(
    blockers.map((b) => ({ code: UserErrorCode.INVALID_STATE, message: blockerMessage(b), field: null })),
  );
