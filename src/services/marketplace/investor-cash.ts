import { investorCashRow } from '../../domain/ledger/ledger';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode } from '../../lib/errors';
import { formatMoney } from '../../domain/common/money';

/**
 * An investor's cash balance (`investor_account.cash`), moved in step with their ledger
 * account in the caller's transaction. Lock order: after the credit account, the listing
 * and the notes; the balance row is the last thing a marketplace transaction locks.
 */
export async function openInvestorCash(tx: Tx, userId: string): Promise<void> {
  const row = investorCashRow(userId);
  const conn = tx.em.getConnection();
  const ctx = tx.em.getTransactionContext();
  await conn.execute(
    'insert into investor_account (user_id, cash) values (?, 0) on conflict do nothing',
    [userId],
    'run',
    ctx,
  );
  await conn.execute(
    'insert into ledger_account (code, name, type) values (?, ?, ?) on conflict do nothing',
    [row.code, row.name, row.type],
    'run',
    ctx,
  );
}

/** Adds to an investor's cash (the row exists: every investor who ever held cash has one). */
export async function creditInvestorCash(tx: Tx, userId: string, amount: number): Promise<void> {
  if (amount === 0) return;
  const rows = (await tx.em
    .getConnection()
    .execute(
      'update investor_account set cash = cash + ? where user_id = ? returning cash',
      [amount, userId],
      'all',
      tx.em.getTransactionContext(),
    )) as unknown[];
  if (rows.length !== 1) throw new Error(`investor ${userId} has no cash account`);
}

/**
 * Takes `amount` from an investor's cash, or refuses with INSUFFICIENT_FUNDS (`field`): the
 * guarded update and the table's CHECK keep it from ever going below zero under concurrency.
 */
export async function debitInvestorCash(
  tx: Tx,
  userId: string,
  amount: number,
  field: string[],
): Promise<number> {
  const rows = (await tx.em
    .getConnection()
    .execute(
      'update investor_account set cash = cash - ? where user_id = ? and cash >= ? returning cash',
      [amount, userId, amount],
      'all',
      tx.em.getTransactionContext(),
    )) as { cash: string }[];
  if (rows.length === 1) return Number(rows[0]!.cash);
  const [have] = (await tx.em
    .getConnection()
    .execute(
      'select cash from investor_account where user_id = ?',
      [userId],
      'all',
      tx.em.getTransactionContext(),
    )) as { cash: string }[];
  throw new DomainError(
    UserErrorCode.INSUFFICIENT_FUNDS,
    `Your cash is ${formatMoney(Number(have?.cash ?? 0))}; deposit more first.`,
    field,
  );
}
