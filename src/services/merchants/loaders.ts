import type { EntityManager } from '@mikro-orm/postgresql';
import { Merchant, WebhookAttempt } from '../../entities';
import { byId, groupedBy } from '../common/batch';

export const merchantLoaders = (em: EntityManager) => ({
  /** The merchant of each checkout in a list (one statement for the page). */
  merchantById: byId(em, Merchant),
  /** Every attempt of each delivery in a page, oldest first (ids are time-ordered). */
  attemptsByDelivery: groupedBy(em, WebhookAttempt, 'deliveryId'),
});
