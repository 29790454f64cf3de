import type { NonEmptyArray } from 'type-graphql';
import { AuthResolver } from './identity/auth.resolver';
import { CreditAccountResolver, InstallmentPlanResolver } from './accounts/credit-account.resolver';
import { RepaymentResolver } from './repayments/repayment.resolver';
import { RewardsResolver } from './rewards/rewards.resolver';
import { CreditApplicationResolver } from './applications/credit-application.resolver';
import { NodeResolver } from './common/node.resolver';
import { NotificationResolver } from './notifications/notification.resolver';
import { UserResolver } from './identity/user.resolver';

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
