import type { Tx } from '../../db/transactions';
import type { DeletionBlocker } from '../../domain/privacy/erasure';
import { owedSql, receivableCodesSql } from '../ledger/ledger-sql';

/**
 * Everything owed or held that keeps a person's account from being deleted, in one statement
 * (one `?`: the user's id). Money is read from the ledger where the ledger keeps it: a credit
 * account's receivables, what the platform owes a merchant; an investor's cash from their cash
 * balance (the ledger's equal, SPEC section 9).
 */
const BLOCKERS = `
with me as (select ?::uuid as id),
accounts as (
  select a.id, a.kind, a.status,
         (select c.last4 from card c where c.account_id = a.id order by c.id desc limit 1) as last4,
         ${owedSql('a.id')} as owed,
         exists (select 1 from journal_line l where l.ledger_code in ${receivableCodesSql('a.id')}
                  group by l.ledger_code having sum(l.amount) <> 0) as unbalanced
    from credit_account a where a.owner_id = (select id from me)),
merchant_of as (select m.id from merchant m where m.user_id = (select id from me))
select 'BALANCE' as kind, kind as account_kind, last4, owed::bigint as amount, null::int as count, null as status
  from accounts where unbalanced and status <> 'CHARGED_OFF'
union all
select 'LOAN_IN_PROGRESS', kind, null, null, null, status
  from accounts where status in ('PENDING_FUNDING', 'PENDING_DISBURSEMENT')
union all
select 'CHARGED_OFF', kind, null, null, null, status from accounts where status = 'CHARGED_OFF'
union all
select 'PAYMENT_PENDING', null, null, sum(p.amount)::bigint, null, null
  from payment p where p.account_id in (select id from accounts) and p.status = 'PENDING' having count(*) > 0
union all
select 'PAYOUT_PENDING', null, null, sum(d.amount)::bigint, null, null
  from disbursement d where d.account_id in (select id from accounts) and d.status = 'PENDING' having count(*) > 0
union all
select 'INVESTOR_CASH', null, null, ia.cash::bigint, null, null
  from investor_account ia where ia.user_id = (select id from me) and ia.cash <> 0
union all
select 'ACTIVE_NOTES', null, null, null, count(*)::int, null
  from note n where n.investor_id = (select id from me) and n.status = 'ACTIVE' having count(*) > 0
union all
select 'CASH_MOVEMENT_PENDING', null, null, sum(m.amount)::bigint, null, null
  from cash_movement m where m.user_id = (select id from me) and m.status = 'PENDING' having count(*) > 0
union all
select 'MERCHANT_UNSETTLED', null, null, owed::bigint, null, null
  from (select -(select coalesce(sum(l.amount), 0) from journal_line l
                  where l.ledger_code = 'merchant:' || m.id || ':payable') as owed
          from merchant_of m) p
 where owed <> 0
union all
select 'SETTLEMENT_PENDING', null, null, sum(s.net)::bigint, null, null
  from merchant_settlement s where s.merchant_id in (select id from merchant_of) and s.status = 'PENDING'
having count(*) > 0`;

interface Row {
  kind: DeletionBlocker['kind'];
  account_kind: string | null;
  last4: string | null;
  amount: string | number | null;
  count: number | null;
  status: string | null;
}

const toBlocker = (r: Row): DeletionBlocker => {
  const amount = Number(r.amount ?? 0);
  switch (r.kind) {
    case 'BALANCE':
      return { kind: r.kind, accountKind: r.account_kind!, last4: r.last4, amount };
    case 'LOAN_IN_PROGRESS':
      return { kind: r.kind, status: r.status! };
    case 'CHARGED_OFF':
      return { kind: r.kind };
    case 'ACTIVE_NOTES':
      return { kind: r.kind, count: r.count! };
    default:
      return { kind: r.kind, amount };
  }
};

/** What keeps the user's account from being deleted now; empty when nothing is owed or held. */
export async function deletionBlockers(tx: Tx, userId: string): Promise<DeletionBlocker[]> {
  const rows = await tx.em
    .getConnection()
    .execute<Row[]>(BLOCKERS, [userId], 'all', tx.em.getTransactionContext());
  return rows.map(toBlocker);
}
