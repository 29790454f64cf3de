import { NotificationReceivedDocument } from '../generated/contract';
import { notify, signUp } from '../support/fixtures';
import { listen, settled, subscribe, waitFor } from '../support/live';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Issue 8, item 14: the outbox keeps events for a retention period (OUTBOX_RETENTION_DAYS)
 * and no longer; a `since` older than what is kept gets a clear error telling the client
 * to reload, instead of a silent gap. Events are made old by moving their creation time
 * back, the way days passing would.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { OUTBOX_RETENTION_DAYS: '3', OUTBOX_PRUNE_INTERVAL_MS: '100' } });
});
afterAll(async () => {
  await s?.close();
});

const sql = async <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
  (await s.app.orm.em.getConnection().execute(text, params)) as T[];

type Received = {
  data?: { notificationReceived: { cursor: string; notification: { title: string } } } | null;
};
const title = (r: Received) => r.data?.notificationReceived.notification.title;
const cursor = (r: Received) => r.data!.notificationReceived.cursor;

/** Moves the creation time of every event up to `through` back by `days`. */
const age = (through: string, days: number) =>
  sql(`update outbox_event set created_at = created_at - make_interval(days => ?) where cursor <= ?`, [
    days,
    through,
  ]);

const prunedThrough = async () =>
  BigInt((await sql<{ m: string }>('select min(cursor) as m from outbox_event'))[0]!.m) - 1n;

describe('outbox retention', () => {
  it('prunes events older than the retention; an older `since` is refused with CURSOR_EXPIRED, a kept one replays', async () => {
    const u = await signUp(s);
    await notify(s, u.id, 'four days ago');
    await notify(s, u.id, 'also four days ago');
    await settled(s);
    const all = subscribe(s.ws(u.accessToken), NotificationReceivedDocument, { since: '0' });
    const welcome = await all.next();
    await all.next();
    const lastOld = await all.next();
    expect(title(lastOld)).toBe('also four days ago');
    all.dispose();

    await age(cursor(lastOld), 4);
    await notify(s, u.id, 'today');
    await settled(s);
    await waitFor(async () => (await prunedThrough()) >= BigInt(cursor(lastOld)), 5000, 'the prune');

    for (const since of ['0', cursor(welcome)]) {
      const expired = subscribe(s.ws(u.accessToken), NotificationReceivedDocument, { since });
      const r = await expired.next();
      expect(r.data ?? null).toBeNull();
      expect(r.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/no longer kept .*Reload the data, then subscribe without `since`/),
          extensions: { code: 'CURSOR_EXPIRED' },
        }),
      ]);
      expired.dispose();
    }

    // The last cursor the client saw before the pruned events is still a valid place to resume.
    const resumed = subscribe(s.ws(u.accessToken), NotificationReceivedDocument, { since: cursor(lastOld) });
    expect(title(await resumed.next())).toBe('today');
    resumed.dispose();
  });

  it('keeps the newest event even when it is old, so cursors continue instead of restarting', async () => {
    const u = await signUp(s);
    await notify(s, u.id, 'a week ago');
    await settled(s);
    const newest = (await sql<{ m: string }>('select max(cursor) as m from outbox_event'))[0]!.m;
    await age(newest, 7);
    await waitFor(async () => (await prunedThrough()) === BigInt(newest) - 1n, 5000, 'the prune');

    const sub = await listen(s, u.accessToken, NotificationReceivedDocument, { since: newest });
    await notify(s, u.id, 'now');
    const r = await sub.next();
    expect(title(r)).toBe('now');
    expect(BigInt(cursor(r))).toBe(BigInt(newest) + 1n);
    sub.dispose();
  });
});

describe('outbox storage', () => {
  it('replay by audience is served by the audience index, on a large outbox', async () => {
    // 20,000 relayed events for 2,000 users, then the replay query of one of them.
    await sql(
      `with bulk as (insert into outbox_event (type, audience, payload, created_at, cursor)
                     select 'notificationReceived', array['bulk-user-' || (g % 2000)], '{}', now(),
                            (select coalesce(max(cursor), 0) from outbox_event) + g
                     from generate_series(1, 20000) g
                     returning cursor)
       update outbox_relay_state set published_through = (select max(cursor) from bulk) where id = 1`,
    );
    await sql('analyze outbox_event');
    const plan = await sql<{ 'QUERY PLAN': string }>(
      `explain select cursor from outbox_event
       where type = 'notificationReceived' and cursor > 0 and audience @> array['bulk-user-7']::text[]
       order by cursor limit 200`,
    );
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('outbox_event_audience_index');
  });

  it('outbox_event is vacuumed after a fixed number of dead rows, not a fraction of the table', async () => {
    const [row] = await sql<{ reloptions: string[] }>(
      `select reloptions from pg_class where relname = 'outbox_event'`,
    );
    expect(row!.reloptions).toEqual(
      expect.arrayContaining(['autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_threshold=500']),
    );
  });
});
