import { RepaymentResolver } from './repayment.resolver';

export const resolvers = [RepaymentResolver];
