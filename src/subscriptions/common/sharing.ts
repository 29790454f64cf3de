/**
 * Subscription fields whose payload depends only on the event, never on who watches.
 *
 * One event is executed once per (document, operationName, variables, visibility) and the
 * same serialised message goes to every socket with that key (SPEC section 13). The
 * visibility is the viewer by default, so an execution is shared only among one user's
 * sockets: a selection may read viewer-specific data. For a field named here it is one
 * constant, and every subscriber of the same document and variables gets the payload of
 * one execution, run with the first such subscriber's context.
 *
 * A field belongs here only if nothing reachable from its payload type reads the viewer
 * (no "my …" fields, no per-viewer masking): whoever may receive the event (the stream's
 * audience and `canSee` checks, which stay per subscriber) may see all of it. A name the
 * schema does not have is harmless: it never matches a document that validated.
 */
export const VIEWER_INDEPENDENT_SUBSCRIPTIONS: ReadonlySet<string> = new Set([
  // A public listing: { cursor, listing { id status funded remaining investorCount } }.
  'listingFundingChanged',
  // Admins' dashboard: { at today applicationsToday approvalRate … }, all of it in the snapshot.
  'dashboardMetricsUpdated',
]);
