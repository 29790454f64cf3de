import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  Card,
  CardTransaction,
  CreditAccount,
  CreditApplication,
  CreditDecision,
  Installment,
  InstallmentPlan,
  Payment,
  PaymentAllocation,
  User,
} from '../../entities';
import type { RewardsSummary } from '../../domain/rewards/rewards';
import type { LedgerService } from '../ledger/ledger.service';

/**
 * Per-request batch loaders: one query per kind of lookup, whatever the list sizes (a
 * dashboard with 1 or 50 accounts costs the same number of statements).
 */
export interface Loaders {
  userById: DataLoader<string, User | null>;
  applicationById: DataLoader<string, CreditApplication | null>;
  decisionById: DataLoader<string, CreditDecision | null>;
  accountById: DataLoader<string, CreditAccount | null>;
  accountsByOwner: DataLoader<string, CreditAccount[]>;
  cardsByAccount: DataLoader<string, Card[]>;
  plansByAccount: DataLoader<string, InstallmentPlan[]>;
  installmentsByPlan: DataLoader<string, Installment[]>;
  recentTransactions: DataLoader<{ accountId: string; size: number }, CardTransaction[], string>;
  transactionCount: DataLoader<string, number>;
  recentPayments: DataLoader<{ accountId: string; size: number }, Payment[], string>;
  paymentCount: DataLoader<string, number>;
  receivables: DataLoader<string, { principal: number; interest: number; fees: number }>;
  rewardsByUser: DataLoader<string, RewardsSummary | null>;
  allocationsByPayment: DataLoader<string, PaymentAllocation[]>;
}

type Ctor<T> = new () => T;

/** Rows by primary key, in the order asked, null for a missing one. */
function byId<T extends { id: string }>(em: EntityManager, entity: Ctor<T>): DataLoader<string, T | null> {
  return new DataLoader(async (ids) => {
    const rows = (await em.find(entity as never, { id: { $in: [...ids] } } as never)) as T[];
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** All rows whose `key` column is one of the keys, grouped, ordered by id. */
function groupedBy<T extends { id: string }>(
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
function newestPerAccount<T>(em: EntityManager, entity: Ctor<T>, table: string) {
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

function countPerAccount(em: EntityManager, table: string) {
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

export function createLoaders(em: EntityManager, ledger: LedgerService): Loaders {
  return {
    userById: byId(em, User),
    applicationById: byId(em, CreditApplication),
    decisionById: byId(em, CreditDecision),
    accountById: byId(em, CreditAccount),
    accountsByOwner: groupedBy(em, CreditAccount, 'ownerId'),
    cardsByAccount: groupedBy(em, Card, 'accountId'),
    plansByAccount: groupedBy(em, InstallmentPlan, 'accountId'),
    installmentsByPlan: new DataLoader(async (planIds) => {
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
    recentPayments: newestPerAccount(em, Payment, 'payment'),
    paymentCount: countPerAccount(em, 'payment'),
    receivables: new DataLoader(async (ids) => {
      const map = await ledger.receivables(em, ids);
      return ids.map((id) => map.get(id)!);
    }),
    allocationsByPayment: groupedBy(em, PaymentAllocation, 'paymentId'),
    rewardsByUser: new DataLoader(async (userIds) => {
      const rows = (await em
        .getConnection()
        .execute('select user_id, balance, lifetime_earned from reward_balance where user_id in (?)', [
          [...userIds],
        ])) as {
        user_id: string;
        balance: number;
        lifetime_earned: number;
      }[];
      const map = new Map(
        rows.map((r) => [r.user_id, { balance: r.balance, lifetimeEarned: r.lifetime_earned }]),
      );
      return userIds.map((id) => map.get(id) ?? null);
    }),
  };
}
