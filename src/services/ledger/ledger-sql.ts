/*
 * Fragments for statements that read the ledger in SQL (the export, deletion checks, the
 * closure sweep): one spelling of a credit account's receivable codes, as `accountLedger`
 * (src/domain/ledger/ledger.ts) names them. `accountId` is an SQL expression (`a.id`).
 */

/** The parenthesised list of the account's principal, interest and fees receivable codes. */
export const receivableCodesSql = (accountId: string): string =>
  `('account:' || ${accountId} || ':principal', 'account:' || ${accountId} || ':interest', 'account:' || ${accountId} || ':fees')`;

/** What the account owes on the ledger: its principal, interest and fees receivable (cents). */
export const owedSql = (accountId: string): string =>
  `(select coalesce(sum(l.amount), 0) from journal_line l where l.ledger_code in ${receivableCodesSql(accountId)})`;
