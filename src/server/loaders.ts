import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CreditApplication, CreditDecision, User } from '../entities';

/** Per-request batch loaders: one query per kind of lookup, whatever the list sizes. */
export interface Loaders {
  userById: DataLoader<string, User | null>;
  applicationById: DataLoader<string, CreditApplication | null>;
  decisionById: DataLoader<string, CreditDecision | null>;
}

/** A loader of rows by primary key, in the order asked, null for a missing one. */
function byId<T extends { id: string }>(
  em: EntityManager,
  entity: new () => T,
): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const rows = (await em.find(entity as never, { id: { $in: [...ids] } } as never)) as T[];
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

export function createLoaders(em: EntityManager): Loaders {
  return {
    userById: byId(em, User),
    applicationById: byId(em, CreditApplication),
    decisionById: byId(em, CreditDecision),
  };
}
