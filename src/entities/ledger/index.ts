export * from './ledger.entity';
import { LedgerAccount, JournalEntry, JournalLine } from './ledger.entity';

/** This feature's entities, for the ORM's discovery. */
export default [LedgerAccount, JournalEntry, JournalLine];
