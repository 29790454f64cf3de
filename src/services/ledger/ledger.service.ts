import type { EntityManager } from '@mikro-orm/postgresql';
import { accountLedger, accountLedgerRows, type Posting } from '../../domain/ledger/ledger';
import { JournalEntry, JournalLine, LedgerAccount } from '../../entities';
import type { Tx } from '../../db/transactions';
import type { Clock } from '../../lib/clock';
import { forbidden, unauthenticated } from '../../lib/errors';

export interface TrialBalance {
  totalDebits: number;
  totalCredits: number;
  accounts: { code: string; name: string; balance: number }[];
}

/**
 * The double-entry ledger. Postings are written in the caller's transaction; the database
 * refuses to commit an unbalanced entry. Balances shown by the API come from here.
 */
export class LedgerService {
  constructor(private readonly clock: Clock) {}

  post(tx: Tx, p: Posting, ref: { creditAccountId?: string | null; refId?: string | null } = {}): void {
    const entry = tx.em.create(JournalEntry, {
      kind: p.kind,
      memo: p.memo,
      creditAccountId: ref.creditAccountId ?? null,
      refId: ref.refId ?? null,
      createdAt: this.clock.now(),
    });
    tx.em.persist(entry);
    for (const l of p.lines)
      tx.em.persist(tx.em.create(JournalLine, { entryId: entry.id, ledgerCode: l.code, amount: l.amount }));
  }

  /** The receivable accounts of a new credit account. */
  openAccount(tx: Tx, creditAccountId: string): void {
    for (const row of accountLedgerRows(creditAccountId))
      tx.em.persist(tx.em.create(LedgerAccount, { ...row, creditAccountId }));
  }

  /** Principal, interest and fees receivable of several accounts, in one query. */
  async receivables(
    em: EntityManager,
    accountIds: readonly string[],
  ): Promise<Map<string, { principal: number; interest: number; fees: number }>> {
    const out = new Map(accountIds.map((id) => [id, { principal: 0, interest: 0, fees: 0 }]));
    if (!accountIds.length) return out;
    const codes = accountIds.flatMap((id) => Object.values(accountLedger(id)));
    const rows = (await em
      .getConnection()
      .execute(
        'select ledger_code, sum(amount)::bigint as balance from journal_line where ledger_code in (?) group by ledger_code',
        [codes],
        'all',
        em.getTransactionContext(),
      )) as { ledger_code: string; balance: string }[];
    for (const r of rows) {
      const [, id, part] = r.ledger_code.split(':') as [string, string, 'principal' | 'interest' | 'fees'];
      out.get(id)![part] = Number(r.balance);
    }
    return out;
  }

  async balance(em: EntityManager, code: string): Promise<number> {
    const [row] = (await em
      .getConnection()
      .execute('select coalesce(sum(amount), 0)::bigint as b from journal_line where ledger_code = ?', [
        code,
      ])) as { b: string }[];
    return Number(row!.b);
  }

  /**
   * Admins: every ledger account's balance (debit positive); debits and credits over all
   * lines. The request is typed by its shape: `RequestScope` reaches the loaders, which are
   * built from this service, and that would be an import cycle.
   */
  async trialBalance(scope: {
    em: EntityManager;
    viewer: { isAdmin: boolean } | null;
  }): Promise<TrialBalance> {
    if (!scope.viewer) throw unauthenticated();
    if (!scope.viewer.isAdmin) throw forbidden();
    const conn = scope.em.getConnection();
    const [totals] = (await conn.execute(
      `select coalesce(sum(amount) filter (where amount > 0), 0)::bigint as debits,
              coalesce(-sum(amount) filter (where amount < 0), 0)::bigint as credits from journal_line`,
    )) as { debits: string; credits: string }[];
    const accounts = (await conn.execute(
      `select a.code, a.name, coalesce(sum(l.amount), 0)::bigint as balance
         from ledger_account a left join journal_line l on l.ledger_code = a.code
        where a.credit_account_id is null or exists (select 1 from journal_line x where x.ledger_code = a.code)
        group by a.code, a.name order by a.code`,
    )) as { code: string; name: string; balance: string }[];
    return {
      totalDebits: Number(totals!.debits),
      totalCredits: Number(totals!.credits),
      accounts: accounts.map((a) => ({ code: a.code, name: a.name, balance: Number(a.balance) })),
    };
  }
}
