import { RewardsResolver } from './rewards.resolver';

export const resolvers = [RewardsResolver];
