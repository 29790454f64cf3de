import { payoffAmount } from '../../domain/repayments/allocation';
import { redemptionPosting } from '../../domain/ledger/ledger';
import { formatMoney } from '../../domain/common/money';
import { MIN_REDEMPTION_POINTS, redemptionValue } from '../../domain/rewards/rewards';
import { Payment, RewardRedemption } from '../../entities';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { PaymentSource } from '../../entities/repayments/payment.entity';
import { RedemptionKind, RewardReason } from '../../entities/rewards/rewards.entity';
import type { Clock } from '../../lib/clock';
import { DomainError, UserErrorCode } from '../../lib/errors';
import type { CreditAccountService } from '../accounts/credit-account.service';
import type { AuditService } from '../common/audit.service';
import type { IdempotentMutations } from '../common/idempotent-mutation';
import { requireViewer, type RequestScope } from '../common/request-scope';
import type { NotificationService } from '../notifications/notification.service';
import type { PaymentApplicationService } from '../repayments/payment-application.service';
import type { RewardsSummary } from '../../domain/rewards/rewards';
import type { RewardPointsService } from './reward-points.service';

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
  ) {}

  /**
   * Redeems points into an account, applied exactly like a payment (allocation of SPEC
   * section 5, no gateway): what is owed, the payoff quote, available credit and the ledger
   * all move by its value. Worth more than the payoff quote (less payments in progress): refused.
   */
  async redeem(
    ctx: RequestScope,
    input: { accountId: string; points: number; kind: RedemptionKind; idempotencyKey: string },
  ): Promise<{ redemption: RewardRedemption; rewards: RewardsSummary }> {
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
          `${input.points} points are worth ${formatMoney(value)}; this account takes at most ${formatMoney(Math.max(0, room))} today (its payoff amount).`,
          ['input', 'points'],
        );
      }
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
        userId: viewer.userId,
        accountId: account.id,
        kind: input.kind,
        points: input.points,
        value,
        paymentId: payment.id,
        createdAt: now,
      });
      tx.em.persist(redemption);
      this.points.entry(tx, viewer.userId, -input.points, RewardReason.REDEMPTION, redemption.id);
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
      const label = input.kind === RedemptionKind.TRAVEL ? 'Travel redemption' : 'Statement credit';
      this.notifications.notify(
        tx,
        viewer.userId,
        NotificationKind.REWARDS_REDEEMED,
        label,
        `${input.points} points: ${formatMoney(value)} credited to your account.`,
      );
      this.audit.record(tx, ctx, {
        action: 'rewards.redeem',
        objectId: redemption.id,
        changes: { points: input.points, kind: input.kind, value, paymentId: payment.id },
      });
      return { stored: { redemptionId: redemption.id } };
    });
    const em = ctx.em.fork();
    const redemption = await em.findOneOrFail(RewardRedemption, { id: stored.redemptionId });
    return { redemption, rewards: await this.points.summaryNow(em, viewer.userId) };
  }
}
