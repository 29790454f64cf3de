import { AuditEntry } from '../../entities';
import { forbidden } from '../../lib/errors';
import { fromGlobalId, toGlobalId } from '../../lib/global-id';
import { ACCOUNT_TYPE, CARD_TYPE } from '../accounts/credit-account.service';
import { TRANSACTION_TYPE } from '../accounts/transaction-view';
import { APPLICATION_TYPE } from '../applications/application-events';
import { findPage, mapConnection, type Connection, type PageArgs } from '../common/pagination';
import { requireViewer, type RequestScope } from '../common/request-scope';
import { CASH_MOVEMENT_TYPE, LISTING_TYPE } from '../marketplace/marketplace-view';
import {
  API_KEY_TYPE,
  CHECKOUT_TYPE,
  MERCHANT_TYPE,
  SETTLEMENT_TYPE,
  WEBHOOK_TYPE,
} from '../merchants/merchant-view';
import { REDEMPTION_TYPE } from '../rewards/reward-view';

/** One audit entry as admins read it. */
export interface AuditEntryView {
  id: string;
  at: Date;
  action: string;
  actorId: string | null;
  /** The object's global id when its type is known from the action, else the stored id. */
  objectId: string;
  requestId: string | null;
  changes: Record<string, unknown> | null;
}

/**
 * The API type of the object an action is about, by the action's first word (`account.payment`
 * is about a CreditAccount). Objects with no type of their own in the API (sessions, the
 * sandbox clock) keep their stored id.
 */
const OBJECT_TYPES: Record<string, string> = {
  user: 'User',
  notification: 'User',
  application: APPLICATION_TYPE,
  account: ACCOUNT_TYPE,
  card: CARD_TYPE,
  card_transaction: TRANSACTION_TYPE,
  rewards: REDEMPTION_TYPE,
  listing: LISTING_TYPE,
  investor: CASH_MOVEMENT_TYPE,
  merchant: MERCHANT_TYPE,
  api_key: API_KEY_TYPE,
  checkout: CHECKOUT_TYPE,
  merchant_settlement: SETTLEMENT_TYPE,
  webhook: WEBHOOK_TYPE,
};

const globalObjectId = (action: string, objectId: string): string => {
  const type = OBJECT_TYPES[action.slice(0, action.indexOf('.'))];
  return type ? toGlobalId(type, objectId) : objectId;
};

/** An object id as clients send it: a global id from the API, or a stored id as the log shows it. */
const storedObjectId = (objectId: string): string => fromGlobalId(objectId)?.id ?? objectId;

/** The audit log (SPEC section 11), for admins: newest first, optionally about one object. */
export class AuditLogService {
  async page(
    ctx: RequestScope,
    args: PageArgs & { objectId?: string | null },
  ): Promise<Connection<AuditEntryView>> {
    if (!requireViewer(ctx).isAdmin) throw forbidden();
    const where = args.objectId == null ? {} : { objectId: storedObjectId(args.objectId.slice(0, 200)) };
    const page = await findPage(ctx.em, AuditEntry, where, args, 'desc');
    return mapConnection(page, (e) => ({
      id: e.id,
      at: e.at,
      action: e.action,
      actorId: e.actorId,
      objectId: globalObjectId(e.action, e.objectId),
      requestId: e.requestId,
      changes: e.changes,
    }));
  }
}
