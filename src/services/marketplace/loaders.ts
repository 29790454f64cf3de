import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Listing } from '../../entities';
import { byId } from '../common/batch';

export const marketplaceLoaders = (em: EntityManager) => ({
  listingById: byId(em, Listing),
  listingByAccount: new DataLoader<string, Listing | null>(async (accountIds) => {
    const rows = await em.find(Listing, { accountId: { $in: [...accountIds] } });
    const map = new Map(rows.map((l) => [l.accountId, l]));
    return accountIds.map((id) => map.get(id) ?? null);
  }),
});
