import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Card, CardTransaction, CreditAccount, Installment, InstallmentPlan } from '../../entities';
import { byId, countPerAccount, groupedBy, newestPerAccount } from '../common/batch';

export const accountLoaders = (em: EntityManager) => ({
  accountById: byId(em, CreditAccount),
  accountsByOwner: groupedBy(em, CreditAccount, 'ownerId'),
  cardsByAccount: groupedBy(em, Card, 'accountId'),
  plansByAccount: groupedBy(em, InstallmentPlan, 'accountId'),
  installmentsByPlan: new DataLoader<string, Installment[]>(async (planIds) => {
    const rows = await em.find(
      Installment,
      { planId: { $in: [...planIds] } },
      { orderBy: { planId: 'asc', number: 'asc' } },
    );
    const map = new Map<string, Installment[]>(planIds.map((p) => [p, []]));
    for (const r of rows) map.get(r.planId)!.push(r);
    return planIds.map((p) => map.get(p)!);
  }),
  recentTransactions: newestPerAccount(em, CardTransaction, 'card_transaction'),
  transactionCount: countPerAccount(em, 'card_transaction'),
});
