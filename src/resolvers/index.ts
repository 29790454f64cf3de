import type { NonEmptyArray } from 'type-graphql';
import { AuthResolver } from './auth.resolver';
import { CreditAccountResolver, InstallmentPlanResolver } from './credit-account.resolver';
import { RepaymentResolver } from './repayment.resolver';
import { RewardsResolver } from './rewards.resolver';
import { CreditApplicationResolver } from './credit-application.resolver';
import { NodeResolver } from './node.resolver';
import { NotificationResolver } from './notification.resolver';
import { UserResolver } from './user.resolver';

export const resolvers: NonEmptyArray<Function> = [
  AuthResolver,
  CreditApplicationResolver,
  UserResolver,
  NotificationResolver,
  NodeResolver,
  CreditAccountResolver,
  InstallmentPlanResolver,
  RewardsResolver,
  RepaymentResolver,
];
