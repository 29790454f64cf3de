import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '../../lib/ids';

/** A ledger account: the platform's own (cash, income, liabilities) or one per credit account. */
@Entity({ tableName: 'ledger_account' })
export class LedgerAccount {
  [OptionalProps]?: 'creditAccountId';

  @PrimaryKey({ type: 'text' })
  code!: string;

  @Property({ type: 'text' })
  name!: string;

  /** ASSET, LIABILITY, EQUITY, INCOME or EXPENSE. */
  @Property({ type: 'text' })
  type!: string;

  @Property({ type: 'uuid', nullable: true })
  creditAccountId: string | null = null;
}

/**
 * One balanced posting. Its lines sum to zero (debits positive, credits negative); a
 * deferred trigger refuses to commit one that does not, and lines can never be changed.
 */
@Entity({ tableName: 'journal_entry' })
@Index({ properties: ['creditAccountId', 'id'] })
export class JournalEntry {
  [OptionalProps]?: 'createdAt' | 'creditAccountId' | 'refId';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'text' })
  kind!: string;

  @Property({ type: 'text' })
  memo!: string;

  @Property({ type: 'uuid', nullable: true })
  creditAccountId: string | null = null;

  /** The record it posts for (transaction, refund, redemption, ...). */
  @Property({ type: 'uuid', nullable: true })
  refId: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

@Entity({ tableName: 'journal_line' })
@Index({ properties: ['entryId'] })
@Index({ properties: ['ledgerCode'] })
export class JournalLine {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  entryId!: string;

  @Property({ type: 'text' })
  ledgerCode!: string;

  /** Cents: debit positive, credit negative. */
  @Property({ type: 'bigint', runtimeType: 'number' })
  amount!: number;
}
