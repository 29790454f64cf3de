import {
  MarkNotificationsReadDocument,
  MyNotificationsDocument,
  NodeDocument,
  NotificationReceivedDocument,
} from '../generated/contract';
import { notify, signUp, type SignedUp } from '../support/fixtures';
import { listen, subscribe } from '../support/live';
import { ok, startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const list = async (u: SignedUp, vars: { first?: number; after?: string; unreadOnly?: boolean } = {}) =>
  ok(await s.gql(MyNotificationsDocument, vars, { token: u.accessToken })).me!.notifications;

describe('notifications', () => {
  it('a new user has one unread welcome notification', async () => {
    const u = await signUp(s, { name: 'Grace' });
    const page = await list(u);
    expect(page.totalCount).toBe(1);
    expect(page.edges[0]!.node).toMatchObject({ kind: 'WELCOME', title: 'Welcome', readAt: null });
    expect(page.edges[0]!.node.body).toContain('Grace');
  });

  it('marks read, filters unread, and refuses ids that are not yours without changing anything', async () => {
    const u = await signUp(s);
    const other = await signUp(s);
    const mine = (await list(u)).edges[0]!.node.id;
    const theirs = (await list(other)).edges[0]!.node.id;

    const refused = ok(
      await s.gql(
        MarkNotificationsReadDocument,
        { input: { ids: [mine, theirs] } },
        { token: u.accessToken },
      ),
    );
    expect(refused.markNotificationsRead.notifications).toBeNull();
    expect(refused.markNotificationsRead.userErrors).toEqual([
      { field: ['input', 'ids', '1'], message: 'No such notification.', code: 'NOT_FOUND' },
    ]);
    expect((await list(u, { unreadOnly: true })).totalCount).toBe(1);
    expect((await list(other, { unreadOnly: true })).totalCount).toBe(1);

    const done = ok(
      await s.gql(MarkNotificationsReadDocument, { input: { ids: [mine] } }, { token: u.accessToken }),
    );
    expect(done.markNotificationsRead.userErrors).toEqual([]);
    expect(done.markNotificationsRead.notifications![0]!.readAt).toEqual(expect.any(String));
    expect((await list(u, { unreadOnly: true })).totalCount).toBe(0);
    expect((await list(u)).totalCount).toBe(1);
  });

  it('pages newest first with first/after', async () => {
    const u = await signUp(s);
    for (let i = 1; i <= 4; i++) await notify(s, u.id, `n${i}`);
    const PAGE = `query($first: Int, $after: String) { me { notifications(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { title } } } } }`;
    type Page = {
      me: {
        notifications: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string };
          edges: { cursor: string; node: { title: string } }[];
        };
      };
    };
    const p1 = (ok(await s.gql(PAGE, { first: 2 }, { token: u.accessToken })) as Page).me.notifications;
    expect(p1.totalCount).toBe(5);
    expect(p1.edges.map((e) => e.node.title)).toEqual(['n4', 'n3']);
    expect(p1.pageInfo).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      endCursor: p1.edges[1]!.cursor,
    });
    const p2 = (
      ok(await s.gql(PAGE, { first: 10, after: p1.pageInfo.endCursor }, { token: u.accessToken })) as Page
    ).me.notifications;
    expect(p2.edges.map((e) => e.node.title)).toEqual(['n2', 'n1', 'Welcome']);
    expect(p2.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(p2.totalCount).toBe(5);
  });

  it('refuses a cursor it did not hand out', async () => {
    const u = await signUp(s);
    const res = await s.gql(MyNotificationsDocument, { after: 'bogus' }, { token: u.accessToken });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('node(id) shows a notification to its owner only, like a missing id to anyone else', async () => {
    const u = await signUp(s);
    const other = await signUp(s);
    const id = (await list(u)).edges[0]!.node.id;
    expect(ok(await s.gql(NodeDocument, { id }, { token: u.accessToken })).node).toEqual({
      id,
      __typename: 'Notification',
    });
    expect(ok(await s.gql(NodeDocument, { id }, { token: other.accessToken })).node).toBeNull();
    const missing = Buffer.from('Notification:00000000-0000-7000-8000-000000000000').toString('base64url');
    expect(ok(await s.gql(NodeDocument, { id: missing }, { token: other.accessToken })).node).toBeNull();
    expect(ok(await s.gql(NodeDocument, { id: u.id }, { token: u.accessToken })).node).toEqual({
      id: u.id,
      __typename: 'User',
    });
    expect(ok(await s.gql(NodeDocument, { id: u.id }, { token: other.accessToken })).node).toBeNull();
    const anon = await s.gql(NodeDocument, { id });
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('is pushed live to its owner, and to nobody else', async () => {
    const u = await signUp(s);
    const other = await signUp(s);
    const mine = await listen(s, u.accessToken, NotificationReceivedDocument, {});
    const theirs = await listen(s, other.accessToken, NotificationReceivedDocument, {});

    await notify(s, u.id, 'for u');
    await notify(s, other.id, 'for other');
    const got = await mine.next();
    expect(got.data!.notificationReceived.notification).toMatchObject({ title: 'for u', kind: 'WELCOME' });
    expect(got.data!.notificationReceived.cursor).toMatch(/^\d+$/);
    // `other` receives its own event, and it is the first thing it receives: nothing of u's came before.
    const theirFirst = await theirs.next();
    expect(theirFirst.data!.notificationReceived.notification.title).toBe('for other');
    mine.dispose();
    theirs.dispose();
  });

  it('resumes from a cursor: what was missed first, in order, then live, without duplicates', async () => {
    const u = await signUp(s);
    const first = await listen(s, u.accessToken, NotificationReceivedDocument, {});
    await notify(s, u.id, 'one');
    const one = await first.next();
    first.dispose();
    const cursor = one.data!.notificationReceived.cursor;

    await notify(s, u.id, 'two');
    await notify(s, u.id, 'three');
    const resumed = await listen(s, u.accessToken, NotificationReceivedDocument, { since: cursor });
    expect((await resumed.next()).data!.notificationReceived.notification.title).toBe('two');
    expect((await resumed.next()).data!.notificationReceived.notification.title).toBe('three');
    await notify(s, u.id, 'four');
    const four = await resumed.next();
    expect(four.data!.notificationReceived.notification.title).toBe('four');
    const cursors = resumed.results.map((r) => BigInt(r.data!.notificationReceived.cursor));
    expect(cursors).toEqual([...cursors].sort((a, b) => (a < b ? -1 : 1)));
    expect(cursors[0]! > BigInt(cursor)).toBe(true);
    expect(resumed.results).toHaveLength(3);
    resumed.dispose();
  });

  it('from the first cursor replays the welcome notification too', async () => {
    const u = await signUp(s);
    const sub = subscribe(s.ws(u.accessToken), NotificationReceivedDocument, { since: '0' });
    const welcome = await sub.next();
    expect(welcome.data!.notificationReceived.notification.kind).toBe('WELCOME');
    sub.dispose();
  });

  it('needs a signed-in socket', async () => {
    const sub = subscribe(s.ws(null), NotificationReceivedDocument, {});
    const r = await sub.next();
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
