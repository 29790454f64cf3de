import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';

/* The shapes of batch loader the features build theirs from: one query per kind of lookup. */

type Ctor<T> = new () => T;

/** Rows by primary key, in the order asked, null for a missing one. */
export function byId<T extends { id: string }>(
  em: EntityManager,
  entity: Ctor<T>,
): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const rows = (await em.find(entity as never, { id: { $in: [...ids] } } as never)) as T[];
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** All rows whose `key` column is one of the keys, grouped, ordered by id. */
export function groupedBy<T extends { id: string }>(
  em: EntityManager,
  entity: Ctor<T>,
  key: keyof T & string,
  order: 'asc' | 'desc' = 'asc',
) {
  return new DataLoader<string, T[]>(async (keys) => {
    const rows = (await em.find(
      entity as never,
      { [key]: { $in: [...keys] } } as never,
      { orderBy: { id: order } } as never,
    )) as T[];
    const map = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const r of rows) map.get(r[key] as unknown as string)?.push(r);
    return keys.map((k) => map.get(k)!);
  });
}

/** The newest `size` rows per account, for several accounts in one window-function query. */
export function newestPerAccount<T>(em: EntityManager, entity: Ctor<T>, table: string) {
  return new DataLoader<{ accountId: string; size: number }, T[], string>(
    async (keys) => {
      const size = Math.max(...keys.map((k) => k.size));
      const ids = [...new Set(keys.map((k) => k.accountId))];
      const rows = (await em.getConnection().execute(
        `select * from (select t.*, row_number() over (partition by account_id order by id desc) as rn
           from "${table}" t where account_id in (?)) x where rn <= ? order by account_id, id desc`,
        [ids, size],
      )) as Record<string, unknown>[];
      const map = new Map<string, T[]>(ids.map((id) => [id, []]));
      for (const r of rows) map.get(r.account_id as string)!.push(em.map(entity as never, r) as T);
      return keys.map((k) => map.get(k.accountId)!.slice(0, k.size));
    },
    { cacheKeyFn: (k) => `${k.accountId}:${k.size}` },
  );
}

export function countPerAccount(em: EntityManager, table: string) {
  return new DataLoader<string, number>(async (ids) => {
    const rows = (await em
      .getConnection()
      .execute(
        `select account_id, count(*)::int as n from "${table}" where account_id in (?) group by account_id`,
        [[...ids]],
      )) as {
      account_id: string;
      n: number;
    }[];
    const map = new Map(rows.map((r) => [r.account_id, r.n]));
    return ids.map((id) => map.get(id) ?? 0);
  });
}
