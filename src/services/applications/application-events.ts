import { toGlobalId } from '../../lib/global-id';
import { EventType, type NewEvent } from '../../subscriptions/common/topics';

/** The GraphQL type names behind application and decision global ids. */
export const APPLICATION_TYPE = 'Application';
export const DECISION_TYPE = 'CreditDecision';

/**
 * The live event of any change to an application. It only names the application:
 * subscribers read its current state (small events, no stale copies).
 */
export const applicationUpdatedEvent = (applicationId: string, applicantId: string): NewEvent => ({
  type: EventType.applicationUpdated,
  audience: [applicantId],
  objectId: toGlobalId(APPLICATION_TYPE, applicationId),
  payload: { id: applicationId },
});
