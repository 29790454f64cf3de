import type { MetadataStorage } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/postgresql';
import { buildGuardedInsert, type Cte, type InsertSpec } from '../../db/multi-insert';
import { TableInsert } from '../../db/table-insert';
import { AccountStatus } from '../../entities/accounts/credit-account.entity';
import { CardStatus } from '../../entities/accounts/card.entity';
import { balanceUpsert } from '../rewards/reward-points.service';

/** What the approval statement of one purchase needs besides its rows. */
export interface PurchaseApprovalArgs {
  cardId: string;
  accountId: string;
  userId: string;
  amount: number;
  now: Date;
  /** The idempotency key's row: the stored result is what a repeat gets back. */
  key: { key: string; operation: string; requestHash: string; result: Record<string, unknown> };
  /** Points the purchase earns (0: the balance is not touched). */
  points: number;
  /** Every new row of an approved purchase, as entities (transaction, bill, postings, notification, events). */
  rows: readonly object[];
}

/**
 * An approved card purchase in one statement, one round trip (issue 10): the card is
 * checked (the owner's, ACTIVE, not expired), the available credit taken with the same
 * guarded UPDATE as `CardTransactionService.takeCredit` (`available_credit >= amount`, the
 * account ACTIVE and not being closed; its row lock serialises purchases on one account, and the CHECK
 * constraint backs it), the idempotency key inserted with its result, and then every row
 * the purchase writes. If the card or the credit does not allow it, nothing at all is
 * written and the statement returns no row; a key already used fails the statement with a
 * unique violation, and again nothing is written. It returns the account's row after the
 * purchase.
 */
export class PurchaseApproval {
  private readonly tables = new Map<string, TableInsert>();

  constructor(private readonly metadata: MetadataStorage) {}

  statement(a: PurchaseApprovalArgs): { sql: string; bindings: Knex.RawBinding[] } {
    const month = a.now.getUTCFullYear() * 12 + a.now.getUTCMonth() + 1;
    const head: Cte[] = [
      {
        name: 'card',
        sql: `select account_id from card where id = ? and owner_id = ? and status = ?
               and expiry_year * 12 + expiry_month >= ?`,
        bindings: [a.cardId, a.userId, CardStatus.ACTIVE, month],
      },
      {
        name: 'taken',
        sql: `update credit_account c set available_credit = c.available_credit - ?, updated_at = ?
                from card where c.id = card.account_id and c.id = ? and c.status = ? and c.available_credit >= ?
                 and c.closure_requested_at is null
              returning c.*`,
        bindings: [a.amount, a.now, a.accountId, AccountStatus.ACTIVE, a.amount],
      },
      {
        name: 'claim',
        sql: `insert into idempotency_key (user_id, key, operation, request_hash, result, created_at)
              select ?, ?, ?, ?, ?::jsonb, ? from taken returning 1`,
        bindings: [
          a.userId,
          a.key.key,
          a.key.operation,
          a.key.requestHash,
          JSON.stringify(a.key.result),
          a.now,
        ],
      },
    ];
    if (a.points > 0) {
      head.push({
        name: 'points',
        sql: `${balanceUpsert('select ?, ?, ? from claim')} returning 1`,
        bindings: [a.userId, a.points, a.points],
      });
    }
    return buildGuardedInsert(head, 'claim', this.specs(a.rows), 'select * from taken');
  }

  /** The rows grouped by table, in the order their tables first appear. */
  private specs(rows: readonly object[]): InsertSpec[] {
    const byTable = new Map<TableInsert, Record<string, unknown>[]>();
    for (const row of rows) {
      const table = this.table(row.constructor.name);
      const list = byTable.get(table) ?? [];
      list.push(table.fromEntity(row));
      byTable.set(table, list);
    }
    return [...byTable].map(([table, list]) => table.spec(list));
  }

  private table(className: string): TableInsert {
    let t = this.tables.get(className);
    if (!t) {
      t = new TableInsert(this.metadata.get(className));
      this.tables.set(className, t);
    }
    return t;
  }
}
