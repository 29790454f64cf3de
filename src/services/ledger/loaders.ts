import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { LedgerService } from './ledger.service';

export const ledgerLoaders = (em: EntityManager, ledger: LedgerService) => ({
  receivables: new DataLoader<string, { principal: number; interest: number; fees: number }>(async (ids) => {
    const map = await ledger.receivables(em, ids);
    return ids.map((id) => map.get(id)!);
  }),
});
