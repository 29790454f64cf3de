/**
 * Live event types: one per subscription field. An event reaches a subscriber only if the
 * subscriber is in its audience, by id or by role (or is an admin watching everything).
 */
export const EventType = {
  notificationReceived: 'notificationReceived',
  applicationUpdated: 'applicationUpdated',
  cardTransactionPosted: 'cardTransactionPosted',
  paymentPosted: 'paymentPosted',
  listingFundingChanged: 'listingFundingChanged',
  checkoutUpdated: 'checkoutUpdated',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/**
 * An audience entry naming everyone who holds a role (e.g. every investor watches listings),
 * next to the user ids an audience otherwise holds.
 */
export const roleAudience = (role: string): string => `role:${role}`;

/** The audience entries a viewer belongs to: their own id and each of their roles. */
export const audienceKeys = (viewer: { userId: string; roles?: readonly string[] }): string[] => [
  viewer.userId,
  ...(viewer.roles ?? []).map(roleAudience),
];

/** The bus channel of an event type; instances route to their local subscribers. */
export const channelOf = (type: string): string => `events:${type}`;

/** What the relay publishes and what a subscriber receives (JSON-safe: ISO dates, cents as numbers). */
export interface LiveEvent {
  cursor: string;
  type: string;
  audience: string[];
  objectId: string | null;
  payload: Record<string, unknown>;
}

/** An event a service wants to announce, written to the outbox in its transaction. */
export interface NewEvent {
  type: EventType;
  audience: string[];
  objectId?: string | null;
  payload: Record<string, unknown>;
}
