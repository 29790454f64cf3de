import { parse } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  ApplicationUpdatedDocument,
  ListingFundingChangedDocument,
  NotificationReceivedDocument,
  ReviewApplicationDocument,
  SubmitApplicationDocument,
} from '../generated/contract';
import { makeAdmin, notify, referredLoan, signUp, type SignedUp } from '../support/fixtures';
import { listen, settled, type Subscription } from '../support/live';
import { marketClient } from '../support/marketplace';
import { metricValue, statementsMatching } from '../support/observe';
import { ok, startTestServer, type TestServer } from '../support/server';
import { VIEWER_INDEPENDENT_SUBSCRIPTIONS } from '../../src/subscriptions/common/sharing';

/**
 * SPEC section 13: one event to many sockets is executed once per (document, operationName,
 * variables, visibility) and the same serialised `next` body goes to every matching socket.
 * Each socket keeps its own stream (who may receive what); only the execution is shared.
 * Counted two ways: the server's `graphql_subscription_executions_total` in /metrics, and the
 * statements that reach PostgreSQL while an event fans out.
 */
let s: TestServer;
let admin: SignedUp;
beforeAll(async () => {
  s = await startTestServer();
  admin = await makeAdmin(s);
});
afterAll(async () => {
  await s?.close();
});

async function metric(name: string): Promise<number> {
  const value = await metricValue(s.url, name);
  if (value === null) throw new Error(`${name} missing from /metrics`);
  return value;
}

/** How much `work` moved the fan-out's counters. */
async function counted(work: () => Promise<unknown>): Promise<{ executions: number; messages: number }> {
  const e0 = await metric('graphql_subscription_executions_total');
  const m0 = await metric('graphql_subscription_messages_total');
  await work();
  return {
    executions: (await metric('graphql_subscription_executions_total')) - e0,
    messages: (await metric('graphql_subscription_messages_total')) - m0,
  };
}

const referred = async (u: SignedUp) =>
  ok(await s.gql(SubmitApplicationDocument, { input: referredLoan() as never }, { token: u.accessToken }))
    .submitApplication.application!;

const approve = async (applicationId: string) =>
  ok(
    await s.gql(
      ReviewApplicationDocument,
      { input: { applicationId, outcome: 'APPROVED', note: 'ok' } },
      { token: admin.accessToken },
    ),
  );

type AppEvent = Subscription<{
  applicationUpdated: {
    cursor: string;
    application: { id: string; status: string; decision?: unknown };
  };
}>;

/** `n` sockets of one caller on the same document and variables. */
const sockets = (token: string, n: number, variables: { applicationId?: string }) =>
  Promise.all(Array.from({ length: n }, () => listen(s, token, ApplicationUpdatedDocument, variables)));

const disposeAll = (subs: { dispose(): void }[]) => subs.forEach((x) => x.dispose());

describe('fan-out of one event', () => {
  it('runs the selection once for N sockets of one user on one document, and sends each the same body', async () => {
    const u = await signUp(s);
    const app = await referred(u);
    const subs: AppEvent[] = await sockets(u.accessToken, 6, { applicationId: app.id });

    const c = await counted(async () => {
      await approve(app.id);
      await Promise.all(subs.map((x) => x.next()));
    });
    expect(c).toEqual({ executions: 1, messages: 6 });
    const bodies = subs.map((x) => JSON.stringify(x.results[0]));
    expect(new Set(bodies).size).toBe(1);
    expect(subs[0]!.results[0]!.data!.applicationUpdated.application).toMatchObject({
      id: app.id,
      status: 'APPROVED',
    });
    disposeAll(subs);
  });

  it('reads the database for an event once, however many sockets of the user receive it', async () => {
    // The same review with 1 socket and with 8: the statements on applications (the mutation's
    // own and the subscription resolver's) are the same in number. Executing per socket would
    // add the resolver's read 7 more times.
    const fanOutOf = async (n: number) => {
      const u = await signUp(s);
      const app = await referred(u);
      const subs: AppEvent[] = await sockets(u.accessToken, n, { applicationId: app.id });
      await settled(s);
      const seen = await statementsMatching(/credit_application/, async () => {
        await approve(app.id);
        await Promise.all(subs.map((x) => x.next()));
      });
      disposeAll(subs);
      return seen.length;
    };
    const one = await fanOutOf(1);
    const eight = await fanOutOf(8);
    expect(one).toBeGreaterThan(0);
    expect(eight).toBe(one);
  });

  it('does not share between two users on a per-user field, and neither receives the other’s events', async () => {
    // The applicant and an admin follow the same application with the same document and
    // variables: both receive the event, each from an execution of their own.
    const u = await signUp(s);
    const app = await referred(u);
    const [mine] = await sockets(u.accessToken, 1, { applicationId: app.id });
    const [theirs] = await sockets(admin.accessToken, 1, { applicationId: app.id });
    const c = await counted(async () => {
      await approve(app.id);
      await Promise.all([mine!.next(), theirs!.next()]);
    });
    expect(c).toEqual({ executions: 2, messages: 2 });
    disposeAll([mine!, theirs!]);

    // Two users, two sockets each, one document: each user's event is executed once and goes
    // to that user's two sockets only.
    const a = await signUp(s);
    const b = await signUp(s);
    const aSubs = await Promise.all(
      [1, 2].map(() => listen(s, a.accessToken, NotificationReceivedDocument, {})),
    );
    const bSubs = await Promise.all(
      [1, 2].map(() => listen(s, b.accessToken, NotificationReceivedDocument, {})),
    );
    const n = await counted(async () => {
      await notify(s, a.id, 'for a');
      await notify(s, b.id, 'for b');
      await Promise.all([...aSubs, ...bSubs].map((x) => x.next()));
      await settled(s);
    });
    expect(n).toEqual({ executions: 2, messages: 4 });
    for (const x of aSubs) {
      expect(x.results.map((r) => r.data!.notificationReceived.notification.title)).toEqual(['for a']);
    }
    for (const x of bSubs) {
      expect(x.results.map((r) => r.data!.notificationReceived.notification.title)).toEqual(['for b']);
    }
    disposeAll([...aSubs, ...bSubs]);
  });

  it('does not share between different variables or different selections', async () => {
    const u = await signUp(s);
    const app = await referred(u);
    const one: AppEvent[] = await sockets(u.accessToken, 2, { applicationId: app.id });
    const all: AppEvent[] = await sockets(u.accessToken, 2, {}); // every application of u's
    const narrow: TypedDocumentNode<unknown, { applicationId?: string; since?: string | null }> =
      parse(`subscription Narrow($applicationId: ID) {
      applicationUpdated(applicationId: $applicationId) { cursor application { id status } } }`);
    const narrowSubs = await Promise.all(
      [1, 2].map(() => listen(s, u.accessToken, narrow, { applicationId: app.id })),
    );
    const c = await counted(async () => {
      await approve(app.id);
      await Promise.all([...one, ...all, ...narrowSubs].map((x) => x.next()));
    });
    // Three keys (two variable sets, two selections on the same variables), six sockets.
    expect(c).toEqual({ executions: 3, messages: 6 });
    const full = one[0]!.results[0]!.data!.applicationUpdated;
    expect(all[0]!.results[0]!.data!.applicationUpdated).toEqual(full);
    expect(full.application.decision).toBeDefined();
    expect((narrowSubs[0]!.results[0] as { data: unknown }).data).toEqual({
      applicationUpdated: { cursor: full.cursor, application: { id: app.id, status: 'APPROVED' } },
    });
    disposeAll([...one, ...all, ...narrowSubs]);
  });

  it('shares listingFundingChanged (viewer-independent) across investors and the borrower', async () => {
    expect(VIEWER_INDEPENDENT_SUBSCRIPTIONS.has('listingFundingChanged')).toBe(true);
    const m = marketClient(s);
    const borrower = await signUp(s);
    const { listingId } = await m.listLoan(borrower, '1000.00', 12);
    const investor = await m.investor('1000.00');
    const watchers = await Promise.all([1, 2, 3].map(() => m.investor('0.00')));
    const subs = await Promise.all(
      [...watchers, watchers[0]!, borrower].map((u) =>
        listen(s, u.accessToken, ListingFundingChangedDocument, { listingId }),
      ),
    );
    const other = await listen(s, watchers[1]!.accessToken, ListingFundingChangedDocument, {
      listingId,
      since: null,
    }); // other variables: its own execution
    const c = await counted(async () => {
      expect((await m.invest(investor, listingId, '250.00')).userErrors).toEqual([]);
      await Promise.all([...subs, other].map((x) => x.next()));
    });
    expect(c).toEqual({ executions: 2, messages: 6 });
    const bodies = new Set(subs.map((x) => JSON.stringify(x.results[0])));
    expect(bodies.size).toBe(1);
    expect(subs[0]!.results[0]!.data!.listingFundingChanged.listing).toMatchObject({
      id: listingId,
      status: 'OPEN',
      funded: { amount: '250.00' },
      remaining: { amount: '750.00' },
      investorCount: 1,
    });
    disposeAll([...subs, other]);
  });

  it('shares across users on any field declared viewer-independent, and only there', async () => {
    // applicationUpdated is per-user; declared independent for this test only, the applicant
    // and an admin on the same document and variables share one execution.
    const declared = VIEWER_INDEPENDENT_SUBSCRIPTIONS as Set<string>;
    declared.add('applicationUpdated');
    try {
      const u = await signUp(s);
      const app = await referred(u);
      const subs = [
        ...(await sockets(u.accessToken, 2, { applicationId: app.id })),
        ...(await sockets(admin.accessToken, 2, { applicationId: app.id })),
      ];
      const c = await counted(async () => {
        await approve(app.id);
        await Promise.all(subs.map((x) => x.next()));
      });
      expect(c).toEqual({ executions: 1, messages: 4 });
      disposeAll(subs);
    } finally {
      declared.delete('applicationUpdated');
    }
  });

  it('replays with `since` through the same sharing, in order, then goes live', async () => {
    const u = await signUp(s);
    const app = await referred(u);
    await approve(app.id);
    await settled(s);
    const vars = { applicationId: app.id, since: '0' };
    const subs = await Promise.all(
      [1, 2, 3].map(() => listen(s, u.accessToken, ApplicationUpdatedDocument, vars)),
    );
    const got = await Promise.all(subs.map(async (x) => [await x.next(), await x.next()]));
    for (const [first, second] of got) {
      expect([
        first!.data!.applicationUpdated.application.id,
        second!.data!.applicationUpdated.application.id,
      ]).toEqual([app.id, app.id]);
      expect(BigInt(first!.data!.applicationUpdated.cursor)).toBeLessThan(
        BigInt(second!.data!.applicationUpdated.cursor),
      );
    }
    expect(new Set(got.map((g) => JSON.stringify(g))).size).toBe(1);
    disposeAll(subs);
  });
});
