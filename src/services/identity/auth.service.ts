import argon2 from 'argon2';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { RefreshToken, User } from '../../entities';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { Role } from '../../entities/identity/user.entity';
import { DomainError, FieldErrors, UserErrorCode, unauthenticated } from '../../lib/errors';
import { uuidv7 } from '../../lib/ids';
import type { RequestScope } from '../common/request-scope';
import { RateLimiterUnavailable, type SignInAdmission } from './rate-limiter';
import { TokenService } from './token.service';
import type { Config } from '../../config';
import type { Clock } from '../../lib/clock';
import type { Transactions, Tx } from '../../db/transactions';
import type { RateLimiter } from './rate-limiter';
import type { SessionService } from './session.service';
import type { AuditService } from '../common/audit.service';
import type { NotificationService } from '../notifications/notification.service';
import { userView, type UserView } from './user-view';
import type { MerchantService } from '../merchants/merchant.service';

export interface SignUpInput {
  email: string;
  password: string;
  name: string;
  roles?: Role[] | null;
}

export interface SignInInput {
  email: string;
  password: string;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: UserView;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const SELF_SERVICE_ROLES = new Set([Role.BORROWER, Role.INVESTOR, Role.MERCHANT]);
/** argon2id, OWASP's second recommended profile: 19 MiB, 2 passes. */
const HASH_OPTIONS = { type: argon2.argon2id as 2, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 };

/** created: a new ADMIN; promoted: an existing user's password reset and ADMIN added; password-reset: already ADMIN. */
export type AdminOutcome = 'created' | 'promoted' | 'password-reset';

/** createAdmin on an email that has an account, without `resetPassword`. */
export class AdminUserExists extends Error {
  constructor(readonly email: string) {
    super(`a user with email ${email} already exists`);
  }
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export class AuthService {
  /** Verified against when the email is unknown, so both cases take the same time. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly tx: Transactions,
    private readonly rateLimiter: RateLimiter,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly merchants: MerchantService,
  ) {
    this.dummyHash = argon2.hash('not-a-real-password', HASH_OPTIONS);
  }

  static hashPassword(password: string): Promise<string> {
    return argon2.hash(password, HASH_OPTIONS);
  }

  async signUp(ctx: RequestScope, input: SignUpInput): Promise<Session> {
    const email = normalizeEmail(input.email);
    const name = input.name.trim();
    const roles = input.roles?.length ? [...new Set(input.roles)] : [Role.BORROWER];
    const errors = new FieldErrors();
    if (!EMAIL.test(email) || email.length > 254)
      errors.add(['input', 'email'], 'Enter a valid email address.');
    if (input.password.length < 8) errors.add(['input', 'password'], 'Use at least 8 characters.');
    if (input.password.length > 128) errors.add(['input', 'password'], 'Use at most 128 characters.');
    if (!name) errors.add(['input', 'name'], 'Enter your name.');
    if (name.length > 200) errors.add(['input', 'name'], 'Use at most 200 characters.');
    if (roles.some((r) => !SELF_SERVICE_ROLES.has(r))) {
      errors.add(['input', 'roles'], 'Roles can be BORROWER, INVESTOR or MERCHANT.');
    }
    errors.throwIfAny();

    const passwordHash = await AuthService.hashPassword(input.password);
    try {
      return await this.tx.run(ctx.em, async (tx) => {
        const now = this.clock.now();
        const user = tx.em.create(User, { email, name, passwordHash, roles, createdAt: now, updatedAt: now });
        tx.em.persist(user);
        // A merchant can sell at once: its profile, from the sign-up name, verified in the sandbox.
        if (roles.includes(Role.MERCHANT)) this.merchants.onboard(tx, user.id, name);
        await tx.em.flush();
        const session = await this.openSession(tx.em, user);
        this.notifications.notify(
          tx,
          user.id,
          NotificationKind.WELCOME,
          'Welcome',
          `Welcome, ${name}. Your account is ready.`,
        );
        this.audit.record(tx, ctx, {
          action: 'user.sign_up',
          objectId: user.id,
          actorId: user.id,
          changes: { roles },
        });
        return session;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) {
        throw new DomainError(UserErrorCode.EMAIL_TAKEN, 'An account with this email already exists.', [
          'input',
          'email',
        ]);
      }
      throw err;
    }
  }

  /**
   * Every attempt is counted before its password is checked, in one atomic step that also
   * decides whether it may go ahead (SPEC section 2): at most 50 per address in 15 minutes,
   * and per email at most 5 attempts not known to have succeeded, so parallel guesses get no
   * more password checks than sequential ones. The fifth failure locks the email for 15
   * minutes, even for the right password; a success forgets the failures. With Redis
   * configured but unreachable, sign-in is refused rather than counted per instance.
   */
  async signIn(ctx: RequestScope, input: SignInInput): Promise<Session> {
    const { limits: l } = this.config;
    const limits = {
      failuresPerEmail: l.signInFailuresPerEmail,
      attemptsPerAddress: l.signInAttemptsPerAddress,
      windowMs: l.signInWindowMs,
    };
    const email = normalizeEmail(input.email);
    const limiter = this.rateLimiter;

    let admission: SignInAdmission;
    try {
      admission = await limiter.admitSignIn(email, ctx.ip, limits);
    } catch (err) {
      if (!(err instanceof RateLimiterUnavailable)) throw err;
      ctx.log.warn({ err: err.message }, 'sign-in refused: the attempt counters are unreachable');
      throw new DomainError(
        UserErrorCode.RATE_LIMITED,
        'Sign-in is temporarily unavailable. Try again in a minute.',
      );
    }
    if (!admission.admitted) {
      throw new DomainError(
        UserErrorCode.RATE_LIMITED,
        'Too many sign-in attempts. Try again in 15 minutes.',
      );
    }

    const user = await ctx.em.findOne(User, { email, deletedAt: null });
    const ok = await argon2
      .verify(user?.passwordHash ?? (await this.dummyHash), input.password)
      .catch(() => false);
    if (!user || !ok) {
      await limiter.signInFailed(email, admission.attempt, limits);
      throw new DomainError(UserErrorCode.INVALID_CREDENTIALS, 'Email or password is incorrect.');
    }
    await limiter.signInSucceeded(email, admission.attempt);
    return this.tx.run(ctx.em, async (tx) => {
      // The account still there, held (shared) until the session is committed: a deletion
      // that committed meanwhile refuses the sign-in, one that follows revokes this session.
      if (!(await this.holdLiveUser(tx, user.id)))
        throw new DomainError(UserErrorCode.INVALID_CREDENTIALS, 'Email or password is incorrect.');
      const session = await this.openSession(tx.em, user);
      this.audit.record(tx, ctx, { action: 'user.sign_in', objectId: user.id, actorId: user.id });
      return session;
    });
  }

  /**
   * Holds the user's row (FOR SHARE) for the rest of the transaction if the account is not
   * deleted: `deleteMyAccount` locks it for update before revoking every session, so a
   * session opened or rotated concurrently is either refused or revoked with the others.
   */
  private async holdLiveUser(tx: Tx, userId: string): Promise<boolean> {
    const rows = await tx.em
      .getConnection()
      .execute(
        'select 1 from app_user where id = ? and deleted_at is null for share',
        [userId],
        'all',
        tx.em.getTransactionContext(),
      );
    return rows.length > 0;
  }

  /**
   * Rotates a refresh token. A token that was already rotated means a copy is in someone
   * else's hands: the whole session is revoked, and that revocation is committed even
   * though the call fails.
   */
  async refresh(ctx: RequestScope, token: string): Promise<Omit<Session, 'user'>> {
    const hash = TokenService.hash(token);
    const outcome = await this.tx.run(ctx.em, async (tx) => {
      // Lock order of account deletion: the user (shared here), then the token.
      const owner = await tx.em.findOne(RefreshToken, { tokenHash: hash }, { fields: ['userId'] });
      if (owner) await this.holdLiveUser(tx, owner.userId);
      const row = await tx.em.findOne(
        RefreshToken,
        { tokenHash: hash },
        { lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      const now = new Date();
      if (!row || row.revokedAt || row.expiresAt <= now) return { ok: false as const, revoked: null };
      if (row.usedAt) {
        await tx.em.nativeUpdate(
          RefreshToken,
          { familyId: row.familyId, revokedAt: null },
          { revokedAt: now },
        );
        this.audit.record(tx, ctx, {
          action: 'session.reuse_detected',
          objectId: row.familyId,
          actorId: row.userId,
        });
        return { ok: false as const, revoked: row.familyId };
      }
      const user = await tx.em.findOne(User, { id: row.userId, deletedAt: null });
      if (!user) return { ok: false as const, revoked: null };
      row.usedAt = now;
      const next = this.tokens.newRefreshToken();
      tx.em.persist(
        tx.em.create(RefreshToken, {
          userId: row.userId,
          familyId: row.familyId,
          tokenHash: next.hash,
          createdAt: now,
          expiresAt: this.refreshExpiry(),
        }),
      );
      this.audit.record(tx, ctx, { action: 'session.refresh', objectId: row.familyId, actorId: row.userId });
      const accessToken = await this.tokens.issueAccess(user.id, user.roles, row.familyId);
      return { ok: true as const, accessToken, refreshToken: next.token };
    });
    if (!outcome.ok) {
      if (outcome.revoked) this.sessions.announceEnded([outcome.revoked]);
      throw new DomainError(UserErrorCode.INVALID_TOKEN, 'This session has ended. Sign in again.', [
        'input',
        'refreshToken',
      ]);
    }
    return { accessToken: outcome.accessToken, refreshToken: outcome.refreshToken };
  }

  /**
   * Ends the caller's session: every refresh token of its family stops working, its access
   * tokens are refused from now on, and its WebSockets on every instance are closed (4401).
   */
  async signOut(ctx: RequestScope): Promise<void> {
    const viewer = ctx.viewer;
    if (!viewer) throw unauthenticated();
    await this.tx.run(ctx.em, async (tx) => {
      await tx.em.nativeUpdate(
        RefreshToken,
        { familyId: viewer.sessionId, userId: viewer.userId, revokedAt: null },
        { revokedAt: new Date() },
      );
      this.audit.record(tx, ctx, {
        action: 'user.sign_out',
        objectId: viewer.sessionId,
        actorId: viewer.userId,
      });
    });
    this.sessions.announceEnded([viewer.sessionId]);
  }

  /**
   * Command-line bootstrap of an administrator (never reachable through the API). An email
   * that already has an account is refused unless `resetPassword`: then its password is
   * replaced and ADMIN added, and the outcome says which of those happened.
   */
  async createAdmin(
    em: EntityManager,
    email: string,
    password: string,
    options: { name?: string; resetPassword?: boolean } = {},
  ): Promise<{ user: UserView; outcome: AdminOutcome }> {
    const normalized = normalizeEmail(email);
    if (!EMAIL.test(normalized)) throw new Error('invalid email');
    if (password.length < 12) throw new Error('admin passwords need at least 12 characters');
    const passwordHash = await AuthService.hashPassword(password);
    return this.tx.run(em, async (tx) => {
      const existing = await tx.em.findOne(User, { email: normalized });
      if (existing && !options.resetPassword) throw new AdminUserExists(normalized);
      const now = this.clock.now();
      const user =
        existing ??
        tx.em.create(User, {
          email: normalized,
          name: options.name ?? 'Administrator',
          passwordHash,
          roles: [],
          createdAt: now,
          updatedAt: now,
        });
      const wasAdmin = user.roles.includes(Role.ADMIN);
      const outcome: AdminOutcome = !existing ? 'created' : wasAdmin ? 'password-reset' : 'promoted';
      user.passwordHash = passwordHash;
      if (!wasAdmin) user.roles = [...user.roles, Role.ADMIN];
      tx.em.persist(user);
      await tx.em.flush();
      this.audit.record(tx, null, {
        action: 'user.make_admin',
        objectId: user.id,
        changes: { roles: user.roles, passwordReset: !!existing },
      });
      return { user: userView(user), outcome };
    });
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.refreshTokenTtlDays * 86_400_000);
  }

  private async openSession(em: EntityManager, user: User): Promise<Session> {
    const familyId = uuidv7();
    const refresh = this.tokens.newRefreshToken();
    em.persist(
      em.create(RefreshToken, {
        userId: user.id,
        familyId,
        tokenHash: refresh.hash,
        createdAt: new Date(),
        expiresAt: this.refreshExpiry(),
      }),
    );
    const accessToken = await this.tokens.issueAccess(user.id, user.roles, familyId);
    return { accessToken, refreshToken: refresh.token, user: userView(user) };
  }
}
