export * from './rewards.entity';
import { RewardBalance, RewardEntry, RewardRedemption } from './rewards.entity';

/** This feature's entities, for the ORM's discovery. */
export default [RewardBalance, RewardEntry, RewardRedemption];
