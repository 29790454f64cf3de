import { LockMode } from '@mikro-orm/core';
import { CardTransaction, type CreditAccount } from '../../entities';
import type { Tx } from '../../db/transactions';
import { DomainError, UserErrorCode } from '../../lib/errors';
import { localId } from '../../lib/global-id';
import type { RequestScope, Viewer } from '../common/request-scope';
import { lockAccount } from './credit-account.service';
import { TRANSACTION_TYPE } from './transaction-view';

/** A transaction of the caller's, as read before its money path starts: enough to lock it. */
export interface OwnTransaction {
  id: string;
  accountId: string;
}

/**
 * The caller's transaction behind `input.transactionId`, read outside the money path's
 * transaction; NOT_FOUND for a malformed id, a missing one and someone else's alike.
 */
export async function findOwnTransaction(
  ctx: RequestScope,
  viewer: Viewer,
  globalId: string,
): Promise<OwnTransaction> {
  const id = localId(globalId, TRANSACTION_TYPE);
  const notFound = () =>
    new DomainError(UserErrorCode.NOT_FOUND, 'No such transaction.', ['input', 'transactionId']);
  if (!id) throw notFound();
  const found = await ctx.em.fork().findOne(CardTransaction, { id }, { fields: ['accountId', 'ownerId'] });
  if (!found || found.ownerId !== viewer.userId) throw notFound();
  return { id, accountId: found.accountId };
}

/** Locks the transaction's account, then the transaction: the lock order of money paths. */
export async function lockAccountThenTransaction(
  tx: Tx,
  own: OwnTransaction,
): Promise<{ account: CreditAccount; t: CardTransaction }> {
  const account = await lockAccount(tx, own.accountId);
  const t = await tx.em.findOneOrFail(
    CardTransaction,
    { id: own.id },
    { lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  return { account, t };
}
