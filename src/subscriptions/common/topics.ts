/**
 * Live event types: one per subscription field. An event reaches a subscriber only if the
 * subscriber is in its audience (or is an admin watching everything).
 */
export const EventType = {
  notificationReceived: 'notificationReceived',
  applicationUpdated: 'applicationUpdated',
  cardTransactionPosted: 'cardTransactionPosted',
  paymentPosted: 'paymentPosted',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

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
