import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RewardsSummary } from '../../domain/rewards/rewards';

export const rewardLoaders = (em: EntityManager) => ({
  rewardsByUser: new DataLoader<string, RewardsSummary | null>(async (userIds) => {
    const rows = (await em
      .getConnection()
      .execute('select user_id, balance, lifetime_earned from reward_balance where user_id in (?)', [
        [...userIds],
      ])) as { user_id: string; balance: number; lifetime_earned: number }[];
    const map = new Map(
      rows.map((r) => [r.user_id, { balance: r.balance, lifetimeEarned: r.lifetime_earned }]),
    );
    return userIds.map((id) => map.get(id) ?? null);
  }),
});
