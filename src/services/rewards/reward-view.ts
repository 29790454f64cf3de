import type { RewardEntry, RewardRedemption } from '../../entities';

export const REWARD_ENTRY_TYPE = 'RewardEntry';
export const REDEMPTION_TYPE = 'RewardRedemption';

/*
 * Reward points as the API shows them: JSON-safe (cents as numbers, ISO strings). The
 * balance itself is the domain's `RewardsSummary`, two numbers.
 */

/** One change of a points balance. */
export interface RewardEntryView {
  id: string;
  points: number;
  reason: string;
  createdAt: string;
}

/** Points redeemed as account credit. */
export interface RedemptionView {
  id: string;
  userId: string;
  kind: string;
  points: number;
  /** What was credited to the account, in cents. */
  value: number;
  createdAt: string;
}

export const rewardEntryView = (e: RewardEntry): RewardEntryView => ({
  id: e.id,
  points: e.points,
  reason: e.reason,
  createdAt: e.createdAt.toISOString(),
});

export const redemptionView = (r: RewardRedemption): RedemptionView => ({
  id: r.id,
  userId: r.userId,
  kind: r.kind,
  points: r.points,
  value: Number(r.value),
  createdAt: r.createdAt.toISOString(),
});
