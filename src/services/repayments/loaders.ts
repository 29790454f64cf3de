import type { EntityManager } from '@mikro-orm/postgresql';
import { Payment, PaymentAllocation } from '../../entities';
import { countPerAccount, groupedBy, newestPerAccount } from '../common/batch';

export const repaymentLoaders = (em: EntityManager) => ({
  recentPayments: newestPerAccount(em, Payment, 'payment'),
  paymentCount: countPerAccount(em, 'payment'),
  allocationsByPayment: groupedBy(em, PaymentAllocation, 'paymentId'),
});
