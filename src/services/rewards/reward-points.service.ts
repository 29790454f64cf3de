import type { EntityManager } from '@mikro-orm/postgresql';
import { PLATFORM_ACCOUNTS, rewardsPosting } from '../../domain/ledger/ledger';
import { clawbackCharges } from '../../domain/rewards/rewards';
import { RewardEntry } from '../../entities';
import { RewardReason } from '../../entities/rewards/rewards.entity';
import type { RewardsSummary } from '../../domain/rewards/rewards';
import type { Tx } from '../../db/transactions';
import { forbidden } from '../../lib/errors';
import { findPage, mapConnection, type Connection } from '../common/pagination';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { Clock } from '../../lib/clock';
import type { LedgerService } from '../ledger/ledger.service';
import { rewardEntryView, type RewardEntryView } from './reward-view';

/**
 * Adds points to a user's balance, creating it: `rows` gives (user, points, points earned),
 * `values (?, ?, ?)` or a `select` from a statement's CTE.
 */
export const balanceUpsert = (rows: string): string =>
  `insert into reward_balance (user_id, balance, lifetime_earned) ${rows}
   on conflict (user_id) do update set balance = reward_balance.balance + excluded.balance,
     lifetime_earned = reward_balance.lifetime_earned + excluded.lifetime_earned`;

/**
 * Reward points: earned on purchases and on-time installments, taken back in proportion
 * on refunds, redeemed as account credit. The balance lives in `reward_balance` (never
 * negative, by constraint) and its money value in the ledger's rewards liability.
 * Redeeming them is `RedemptionService`'s.
 */
export class RewardPointsService {
  constructor(
    private readonly clock: Clock,
    private readonly ledger: LedgerService,
  ) {}

  /** Adds earned points (positive) in the caller's transaction, with the ledger posting. */
  async change(
    tx: Tx,
    userId: string,
    points: number,
    reason: RewardReason,
    refId: string | null,
  ): Promise<void> {
    await tx.em
      .getConnection()
      .execute(
        balanceUpsert('values (?, ?, ?)'),
        [userId, points, Math.max(points, 0)],
        'run',
        tx.em.getTransactionContext(),
      );
    this.record(tx, userId, points, reason, refId);
  }

  /**
   * The entry and ledger posting of a change whose balance the caller moves itself (with
   * `balanceUpsert` inside a statement of its own).
   */
  record(tx: Tx, userId: string, points: number, reason: RewardReason, refId: string | null): void {
    this.entry(tx, userId, points, reason, refId);
    this.ledger.post(tx, rewardsPosting(points), { refId });
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
      this.ledger.post(tx, rewardsPosting(-taken), { refId });
    }
    return taken;
  }

  /**
   * On-time points the installments earned, and how many a refund already took back under
   * `reversalRef`: points are never kept on money that a refund returns (the callers take
   * them back in proportion).
   */
  async onTimePoints(
    tx: Tx,
    installmentIds: readonly string[],
    reversalRef: string,
  ): Promise<{ earned: number; reversed: number }> {
    const [row] = (await tx.em.getConnection().execute(
      `select coalesce(sum(points) filter (where reason = ? and ref_id in (?)), 0)::int as earned,
              coalesce(-sum(points) filter (where reason = ? and ref_id = ?), 0)::int as reversed
         from reward_entry where ref_id in (?) or ref_id = ?`,
      [
        RewardReason.ON_TIME_INSTALLMENT,
        installmentIds.length ? installmentIds : [reversalRef],
        RewardReason.REFUND,
        reversalRef,
        installmentIds.length ? installmentIds : [reversalRef],
        reversalRef,
      ],
      'all',
      tx.em.getTransactionContext(),
    )) as { earned: number; reversed: number }[];
    return row ?? { earned: 0, reversed: 0 };
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

  async summary(ctx: RequestScope, userId: string): Promise<RewardsSummary> {
    this.own(ctx, userId);
    return (await ctx.loaders.rewardsByUser.load(userId)) ?? { balance: 0, lifetimeEarned: 0 };
  }

  async entries(
    ctx: RequestScope,
    userId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<RewardEntryView>> {
    this.own(ctx, userId);
    return mapConnection(await findPage(ctx.em, RewardEntry, { userId }, args), rewardEntryView);
  }

  /**
   * The charity set-aside: 1% of the interest in each payment. Shown platform-wide, from
   * the ledger's charity reserve, since the first member joined.
   */
  async impact(ctx: RequestScope): Promise<{ charityTotal: number; since: Date }> {
    requireViewer(ctx);
    const total = await this.ledger.balance(ctx.em, PLATFORM_ACCOUNTS.charityReserve.code);
    const [first] = (await ctx.em
      .getConnection()
      .execute('select min(created_at) as since from app_user')) as { since: Date | null }[];
    return { charityTotal: -total, since: first?.since ?? this.clock.now() };
  }

  /** The balance as committed now (after a mutation, outside the request's loaders). */
  async summaryNow(em: EntityManager, userId: string): Promise<RewardsSummary> {
    const rows = (await em
      .getConnection()
      .execute('select balance, lifetime_earned from reward_balance where user_id = ?', [userId])) as {
      balance: number;
      lifetime_earned: number;
    }[];
    return { balance: rows[0]?.balance ?? 0, lifetimeEarned: rows[0]?.lifetime_earned ?? 0 };
  }

  /** One line of the points history, in the caller's transaction. */
  entry(tx: Tx, userId: string, points: number, reason: RewardReason, refId: string | null): void {
    tx.em.persist(tx.em.create(RewardEntry, { userId, points, reason, refId, createdAt: this.clock.now() }));
  }

  private own(ctx: RequestScope, userId: string): void {
    const viewer = requireViewer(ctx);
    if (viewer.userId !== userId && !viewer.isAdmin) throw forbidden();
  }
}
