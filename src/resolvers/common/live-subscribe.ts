import type { SubscribeResolverData } from 'type-graphql';
import { badInput, unauthenticated } from '../../lib/errors';
import { LiveHub } from '../../subscriptions/common/live-stream';
import type { ResolverContext } from './context';
import type { EventType } from '../../subscriptions/common/topics';

/** `since` must be a cursor we handed out: a decimal number. */
export function parseSince(since: string | null | undefined): string | null {
  if (since == null) return null;
  if (!/^\d{1,19}$/.test(since)) {
    throw badInput('`since` must be a cursor received from this subscription.');
  }
  return since;
}

/**
 * The `subscribe` of every live field: signed-in only, the viewer's own events (admins may
 * watch everyone's where `adminSeesAll`), optionally one object (an id that is not the
 * viewer's never matches: the same silence as for one that does not exist), resumable
 * with `since`.
 */
export function liveSubscribe(type: EventType, objectArg: string | null, adminSeesAll = false) {
  return async ({
    args,
    context,
  }: SubscribeResolverData<unknown, Record<string, unknown>, ResolverContext>) => {
    const ctx = context;
    if (!ctx.viewer) throw unauthenticated();
    return ctx.container.get(LiveHub).stream({
      type,
      viewer: ctx.viewer,
      since: parseSince(args.since as string | null | undefined),
      scope: adminSeesAll && ctx.viewer.isAdmin ? 'all' : 'mine',
      objectId: objectArg ? ((args[objectArg] as string | null | undefined) ?? null) : null,
    });
  };
}
