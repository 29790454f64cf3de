import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { PLATFORM_ACCOUNTS, redemptionPosting, rewardsPosting } from '../../domain/ledger/ledger';
import { payoffAmount } from '../../domain/repayments/allocation';
import { formatCents } from '../../domain/common/money';
import { clawbackCharges, MIN_REDEMPTION_POINTS, redemptionValue } from '../../domain/rewards/rewards';
import { Payment, RewardEntry, RewardRedemption } from '../../entities';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { RedemptionKind, RewardReason } from '../../entities/rewards/rewards.entity';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode, forbidden } from '../../lib/errors';
import { decodeCursor, pageSize, toConnection, type Connection } from '../../schema/common/connection';
import { requireViewer, type RequestContext } from '../../server/context';
import type { Services } from '..';

const money = (c: number) => `$${formatCents(c)}`;

export interface RewardsSummary {
  balance: number;
  lifetimeEarned: number;
}

/**
 * Reward points: earned on purchases and on-time installments, taken back in proportion
 * on refunds, redeemed as account credit. The balance lives in `reward_balance` (never
 * negative, by constraint) and its money value in the ledger's rewards liability.
 */
export class RewardsService {
  constructor(private readonly s: Services) {}

  /** Adds earned points (positive) in the caller's transaction, with the ledger posting. */
  async change(
    tx: Tx,
    userId: string,
    points: number,
    reason: RewardReason,
    refId: string | null,
  ): Promise<void> {
    await tx.em.getConnection().execute(
      `insert into reward_balance (user_id, balance, lifetime_earned) values (?, ?, ?)
       on conflict (user_id) do update set balance = reward_balance.balance + excluded.balance,
         lifetime_earned = reward_balance.lifetime_earned + excluded.lifetime_earned`,
      [userId, points, Math.max(points, 0)],
      'run',
      tx.em.getTransactionContext(),
    );
    this.entry(tx, userId, points, reason, refId);
    this.s.ledger.post(tx, rewardsPosting(points), { refId });
  }

  /**
   * Takes back up to `points` for a refund. The balance never goes below zero: points
   * already redeemed are charged back instead (`clawBack`). Returns how many were taken.
   */
  async takeBack(tx: Tx, userId: string, points: number, refId: string): Promise<number> {
    const rows = (await tx.em.getConnection().execute(
      `with cur as (select balance from reward_balance where user_id = ? for update)
       update reward_balance r set balance = r.balance - least(cur.balance, ?) from cur
        where r.user_id = ? returning least(cur.balance, ?)::int as taken`,
      [userId, points, userId, points],
      'all',
      tx.em.getTransactionContext(),
    )) as { taken: number }[];
    const taken = rows[0]?.taken ?? 0;
    if (taken > 0) {
      this.entry(tx, userId, -taken, RewardReason.REFUND, refId);
      this.s.ledger.post(tx, rewardsPosting(-taken), { refId });
    }
    return taken;
  }

  /**
   * Charges back `points` that a refund must reverse beyond the balance: they were redeemed,
   * so their redeemed value is owed again, latest redemptions first (SPEC section 6). Returns
   * the value in cents; the caller charges it to the account. Locks the redemptions (after
   * the account: the lock order of money paths).
   */
  async clawBack(tx: Tx, userId: string, points: number): Promise<number> {
    const rows = (await tx.em.getConnection().execute(
      `select id, points, value, points_clawed_back from reward_redemption
        where user_id = ? and points_clawed_back < points order by id desc for update`,
      [userId],
      'all',
      tx.em.getTransactionContext(),
    )) as { id: string; points: number; value: string; points_clawed_back: number }[];
    const { takes, value } = clawbackCharges(
      points,
      rows.map((r) => ({
        id: r.id,
        points: r.points,
        value: Number(r.value),
        clawedBack: r.points_clawed_back,
      })),
    );
    for (const t of takes) {
      await tx.em
        .getConnection()
        .execute(
          'update reward_redemption set points_clawed_back = points_clawed_back + ? where id = ?',
          [t.points, t.id],
          'run',
          tx.em.getTransactionContext(),
        );
    }
    return value;
  }

  /**
   * Redeems points into an account, applied exactly like a payment (allocation of SPEC
   * section 5, no gateway): what is owed, the payoff quote, available credit and the ledger
   * all move by its value. Worth more than the payoff quote (less payments in progress): refused.
   */
  async redeem(
    ctx: RequestContext,
    input: { accountId: string; points: number; kind: RedemptionKind; idempotencyKey: string },
  ): Promise<{ redemption: RewardRedemption; rewards: RewardsSummary }> {
    const viewer = requireViewer(ctx);
    if (!Number.isInteger(input.points) || input.points < MIN_REDEMPTION_POINTS) {
      throw new DomainError(UserErrorCode.INVALID_INPUT, `Redeem at least ${MIN_REDEMPTION_POINTS} points.`, [
        'input',
        'points',
      ]);
    }
    const outcome = await this.s.tx.run(ctx.em, async (tx) => {
      const claim = await this.s.idempotency.claim<{ redemptionId: string }>(
        tx,
        viewer.userId,
        input.idempotencyKey,
        'redeemRewards',
        { ...input },
      );
      if (claim.replay) return { id: claim.result.redemptionId };
      const account = await this.s.accounts.ownAccount(
        ctx,
        tx,
        input.accountId,
        ['input', 'accountId'],
        true,
      );
      if (account.status !== AccountStatus.ACTIVE) {
        throw new DomainError(UserErrorCode.INVALID_STATE, 'Redemptions are credited to an active account.', [
          'input',
          'accountId',
        ]);
      }
      const value = redemptionValue(input.points, input.kind);
      const owed = await this.s.repayments.loadOwed(tx.em, account.id);
      const payoff = payoffAmount(owed.items, this.s.clock.today());
      const room = payoff - (await this.s.repayments.pendingPayments(tx, account.id));
      const updated = await tx.em
        .getConnection()
        .execute(
          'update reward_balance set balance = balance - ? where user_id = ? and balance >= ? returning balance',
          [input.points, viewer.userId, input.points],
          'all',
          tx.em.getTransactionContext(),
        );
      if (updated.length === 0) {
        throw new DomainError(UserErrorCode.INSUFFICIENT_POINTS, 'You do not have that many points.', [
          'input',
          'points',
        ]);
      }
      if (value > room) {
        throw new DomainError(
          UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
          `${input.points} points are worth ${money(value)}; this account takes at most ${money(Math.max(0, room))} today (its payoff amount).`,
          ['input', 'points'],
        );
      }
      const now = this.s.clock.now();
      const payment = tx.em.create(Payment, {
        accountId: account.id,
        ownerId: account.ownerId,
        amount: value,
        status: 'SUCCEEDED',
        source: PaymentSource.REWARDS,
        createdAt: now,
        settledAt: now,
      });
      tx.em.persist(payment);
      const redemption = tx.em.create(RewardRedemption, {
        userId: viewer.userId,
        accountId: account.id,
        kind: input.kind,
        points: input.points,
        value,
        paymentId: payment.id,
        createdAt: now,
      });
      tx.em.persist(redemption);
      this.entry(tx, viewer.userId, -input.points, RewardReason.REDEMPTION, redemption.id);
      const allocations = await this.s.repayments.applyToAccount(
        tx,
        account,
        owed,
        value,
        value === payoff,
        payment,
        (parts) => redemptionPosting(account.id, input.points, parts),
      );
      this.s.repayments.announceApplied(tx, payment, allocations);
      const label = input.kind === RedemptionKind.TRAVEL ? 'Travel redemption' : 'Statement credit';
      this.s.notifications.notify(
        tx,
        viewer.userId,
        NotificationKind.REWARDS_REDEEMED,
        label,
        `${input.points} points: ${money(value)} credited to your account.`,
      );
      this.s.audit.record(tx, ctx, {
        action: 'rewards.redeem',
        objectId: redemption.id,
        changes: { points: input.points, kind: input.kind, value, paymentId: payment.id },
      });
      await this.s.idempotency.complete(tx, viewer.userId, input.idempotencyKey, {
        redemptionId: redemption.id,
      });
      return { id: redemption.id };
    });
    const em = ctx.em.fork();
    const redemption = await em.findOneOrFail(RewardRedemption, { id: outcome.id });
    return { redemption, rewards: await this.summaryNow(em, viewer.userId) };
  }

  async summary(ctx: RequestContext, userId: string): Promise<RewardsSummary> {
    this.own(ctx, userId);
    return (await ctx.loaders.rewardsByUser.load(userId)) ?? { balance: 0, lifetimeEarned: 0 };
  }

  async entries(
    ctx: RequestContext,
    userId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<RewardEntry>> {
    this.own(ctx, userId);
    const size = pageSize(args.first);
    const where: Record<string, unknown> = { userId };
    if (args.after != null) {
      const id = decodeCursor(args.after);
      if (!id)
        throw new GraphQLError('`after` is not a valid cursor.', { extensions: { code: 'BAD_USER_INPUT' } });
      where.id = { $lt: id };
    }
    const [rows, total] = await Promise.all([
      ctx.em.find(RewardEntry, where, { orderBy: { id: 'desc' }, limit: size + 1 }),
      ctx.em.count(RewardEntry, { userId }),
    ]);
    return toConnection(rows, size, total, args.after != null, (r) => r);
  }

  /**
   * The charity set-aside: 1% of the interest in each payment. Shown platform-wide, from
   * the ledger's charity reserve, since the first member joined.
   */
  async impact(ctx: RequestContext): Promise<{ charityTotal: number; since: Date }> {
    requireViewer(ctx);
    const total = await this.s.ledger.balance(ctx.em, PLATFORM_ACCOUNTS.charityReserve.code);
    const [first] = (await ctx.em
      .getConnection()
      .execute('select min(created_at) as since from app_user')) as { since: Date | null }[];
    return { charityTotal: -total, since: first?.since ?? this.s.clock.now() };
  }

  private async summaryNow(em: EntityManager, userId: string): Promise<RewardsSummary> {
    const rows = (await em
      .getConnection()
      .execute('select balance, lifetime_earned from reward_balance where user_id = ?', [userId])) as {
      balance: number;
      lifetime_earned: number;
    }[];
    return { balance: rows[0]?.balance ?? 0, lifetimeEarned: rows[0]?.lifetime_earned ?? 0 };
  }

  private entry(tx: Tx, userId: string, points: number, reason: RewardReason, refId: string | null): void {
    tx.em.persist(
      tx.em.create(RewardEntry, { userId, points, reason, refId, createdAt: this.s.clock.now() }),
    );
  }

  private own(ctx: RequestContext, userId: string): void {
    const viewer = requireViewer(ctx);
    if (viewer.userId !== userId && !viewer.isAdmin) throw forbidden();
  }
}
