import { payoffAmount } from '../../domain/repayments/allocation';
import { redemptionPosting } from '../../domain/ledger/ledger';
import { formatMoney } from '../../domain/common/money';
import { MIN_REDEMPTION_POINTS, redemptionValue } from '../../domain/rewards/rewards';
import { Payment, RewardRedemption, type CreditAccount } from '../../entities';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import { RedemptionKind, RewardReason } from '../../entities/rewards/rewards.entity';
import type { Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import { DomainError, UserErrorCode } from '../../lib/errors';
import type { AccountClosureService } from '../accounts/account-closure.service';
import type { CreditAccountService } from '../accounts/credit-account.service';
import type { AuditService } from '../common/audit.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { NotificationService } from '../notifications/notification.service';
import type { PaymentApplicationService } from '../repayments/payment-application.service';
import type { RewardsSummary } from '../../domain/rewards/rewards';
import type { RewardPointsService } from './reward-points.service';
import { redemptionView, type RedemptionView } from './reward-view';

/** Points redeemed as account credit: applied to what the account owes, exactly like a payment. */
export class RedemptionService {
  constructor(
    private readonly clock: Clock,
    private readonly mutations: IdempotentMutations,
    private readonly audit: AuditService,
    private readonly notifications: NotificationService,
    private readonly accounts: CreditAccountService,
    private readonly application: PaymentApplicationService,
    private readonly points: RewardPointsService,
    private readonly closures: AccountClosureService,
  ) {}

  /**
   * Redeems points into an account, applied exactly like a payment (allocation of SPEC
   * section 5, no gateway): what is owed, the payoff quote, available credit and the ledger
   * all move by its value. Worth more than the payoff quote (less payments in progress): refused.
   */
  async redeem(
    ctx: RequestScope,
    input: { accountId: string; points: number; kind: RedemptionKind; idempotencyKey: string },
  ): Promise<{ redemption: RedemptionView; rewards: RewardsSummary }> {
    const viewer = requireViewer(ctx);
    if (!Number.isInteger(input.points) || input.points < MIN_REDEMPTION_POINTS) {
      throw new DomainError(UserErrorCode.INVALID_INPUT, `Redeem at least ${MIN_REDEMPTION_POINTS} points.`, [
        'input',
        'points',
      ]);
    }
    const call = { operation: 'redeemRewards', key: input.idempotencyKey, input };
    const { stored } = await this.mutations.run(ctx, call, async (tx) => {
      const account = await this.accounts.ownAccount(ctx, tx, input.accountId, ['input', 'accountId'], true);
      if (account.status !== AccountStatus.ACTIVE) {
        throw new DomainError(UserErrorCode.INVALID_STATE, 'Redemptions are credited to an active account.', [
          'input',
          'accountId',
        ]);
      }
      const value = redemptionValue(input.points, input.kind);
      const owed = await this.application.loadOwed(tx.em, account.id);
      const payoff = payoffAmount(owed.items, this.clock.today());
      const room = payoff - (await this.application.pendingPayments(tx, account.id));
      await this.spendPoints(tx, viewer.userId, input.points);
      if (value > room) {
        throw new DomainError(
          UserErrorCode.AMOUNT_EXCEEDS_BALANCE,
          `${input.points} points are worth ${formatMoney(value)}; this account takes at most ${formatMoney(Math.max(0, room))} today (its payoff amount).`,
          ['input', 'points'],
        );
      }
      const { payment, redemption } = this.recordRedemption(tx, account, viewer.userId, input, value);
      const allocations = await this.application.applyToAccount(
        tx,
        account,
        owed,
        value,
        value === payoff,
        payment,
        (parts) => redemptionPosting(account.id, input.points, parts),
      );
      this.application.announceApplied(tx, payment, allocations);
      this.announceRedemption(ctx, tx, redemption, payment);
      await this.closures.closeIfSettled(tx, account, ctx);
      return { stored: { redemptionId: redemption.id } };
    });
    const em = ctx.em.fork();
    const redemption = await em.findOneOrFail(RewardRedemption, { id: stored.redemptionId });
    return {
      redemption: redemptionView(redemption),
      rewards: await this.points.summaryNow(em, viewer.userId),
    };
  }

  /** Takes the points off the owner's balance with one guarded UPDATE (its row lock, after the account's). */
  private async spendPoints(tx: Tx, userId: string, points: number): Promise<void> {
    const updated = await tx.em
      .getConnection()
      .execute(
        'update reward_balance set balance = balance - ? where user_id = ? and balance >= ? returning balance',
        [points, userId, points],
        'all',
        tx.em.getTransactionContext(),
      );
    if (updated.length === 0) {
      throw new DomainError(UserErrorCode.INSUFFICIENT_POINTS, 'You do not have that many points.', [
        'input',
        'points',
      ]);
    }
  }

  /** The redemption, the SUCCEEDED payment that carries its value, and its line in the points history. */
  private recordRedemption(
    tx: Tx,
    account: CreditAccount,
    userId: string,
    input: { points: number; kind: RedemptionKind },
    value: number,
  ): { payment: Payment; redemption: RewardRedemption } {
    const now = this.clock.now();
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
      userId,
      accountId: account.id,
      kind: input.kind,
      points: input.points,
      value,
      paymentId: payment.id,
      createdAt: now,
    });
    tx.em.persist(redemption);
    this.points.entry(tx, userId, -input.points, RewardReason.REDEMPTION, redemption.id);
    return { payment, redemption };
  }

  /** The owner's notification and the audit line. */
  private announceRedemption(
    ctx: RequestScope,
    tx: Tx,
    redemption: RewardRedemption,
    payment: Payment,
  ): void {
    const label = redemption.kind === RedemptionKind.TRAVEL ? 'Travel redemption' : 'Statement credit';
    this.notifications.notify(
      tx,
      redemption.userId,
      NotificationKind.REWARDS_REDEEMED,
      label,
      `${redemption.points} points: ${formatMoney(Number(redemption.value))} credited to your account.`,
    );
    this.audit.record(tx, ctx, {
      action: 'rewards.redeem',
      objectId: redemption.id,
      changes: {
        points: redemption.points,
        kind: redemption.kind,
        value: redemption.value,
        paymentId: payment.id,
      },
    });
  }
}
