import type { Tx } from '../../db/transactions';
import { formatMoney } from '../../domain/common/money';
import type { CardTransaction } from '../../entities';
import { NotificationKind } from '../../entities/notifications/notification.entity';
import { toGlobalId } from '../../lib/global-id';
import { EventType } from '../../subscriptions/common/topics';
import type { NotificationService } from '../notifications/notification.service';
import { CARD_TYPE } from './credit-account.service';

export const TRANSACTION_TYPE = 'CardTransaction';

/** A transaction as clients see it; JSON-safe, also the payload of `cardTransactionPosted`. */
export interface TransactionView {
  id: string;
  kind: string;
  cardId: string;
  accountId: string;
  status: string;
  amount: number;
  refunded: number;
  merchantName: string;
  category: string;
  declineReason: string | null;
  rewardPoints: number;
  dueDate: string | null;
  planId: string | null;
  createdAt: string;
}

export const transactionView = (t: CardTransaction): TransactionView => ({
  id: t.id,
  kind: t.kind,
  cardId: t.cardId,
  accountId: t.accountId,
  status: t.status,
  amount: Number(t.amount),
  refunded: Number(t.refunded),
  merchantName: t.merchantName,
  category: t.category,
  declineReason: t.declineReason,
  rewardPoints: t.rewardPoints - t.rewardPointsReversed,
  dueDate: t.dueDate,
  planId: t.planId,
  createdAt: (t.createdAt instanceof Date ? t.createdAt : new Date(t.createdAt)).toISOString(),
});

/** `cardTransactionPosted` and the owner's notification, in the transaction that made the change. */
export function announceTransaction(
  notifications: NotificationService,
  tx: Tx,
  t: CardTransaction,
  what: 'approved' | 'declined' | 'refunded',
  refundAmount = 0,
): void {
  const view = transactionView(t);
  tx.emit({
    type: EventType.cardTransactionPosted,
    audience: [t.ownerId],
    objectId: toGlobalId(CARD_TYPE, t.cardId),
    payload: view as unknown as Record<string, unknown>,
  });
  const n = {
    approved: [
      NotificationKind.PURCHASE_APPROVED,
      'Purchase approved',
      `${t.merchantName}: ${formatMoney(Number(t.amount))}, due ${t.dueDate}.`,
    ],
    declined: [
      NotificationKind.PURCHASE_DECLINED,
      'Purchase declined',
      `${t.merchantName}: ${formatMoney(Number(t.amount))} was declined (${t.declineReason}).`,
    ],
    refunded: [
      NotificationKind.PURCHASE_REFUNDED,
      'Refund received',
      `${t.merchantName} refunded ${formatMoney(refundAmount)}.`,
    ],
  }[what] as [NotificationKind, string, string];
  notifications.notify(tx, t.ownerId, n[0], n[1], n[2], {
    transactionId: toGlobalId(TRANSACTION_TYPE, t.id),
  });
}
