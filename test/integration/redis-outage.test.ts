import { NotificationReceivedDocument, SubmitApplicationDocument } from '../generated/contract';
import { createTestDatabase } from '../support/databases';
import { notify, primeLoan, signUp } from '../support/fixtures';
import { listen, settled, subscribe, waitFor } from '../support/live';
import { startServerProcess, type ServerProcess } from '../support/process';
import { describeNeeds, REDIS_PROGRAM } from '../support/needs';
import { PrivateRedis } from '../support/redis-server';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * Issue 8, item 12: subscribing while Redis is down. The first subscriber to an event type
 * used to make the process exit (an unhandled rejection from the Redis SUBSCRIBE), and the
 * failed subscribe was kept, so that type never went live again on that instance.
 */

const title = (r: { data?: { notificationReceived: { notification: { title: string } } } | null }) =>
  r.data?.notificationReceived.notification.title;

describeNeeds(REDIS_PROGRAM, 'subscribing while Redis is down', () => {
  let redis: PrivateRedis;
  let s: TestServer;
  beforeAll(async () => {
    redis = await PrivateRedis.create();
    s = await startTestServer({ redisUrl: redis.url });
  });
  afterAll(async () => {
    await s?.close();
    await redis?.stop();
  });

  it('replays from the outbox at once, goes live when Redis returns, and later subscribers go live too', async () => {
    const u = await signUp(s); // its Welcome notification is event 1 for this user
    await settled(s);
    await redis.stop();
    await notify(s, u.id, 'during the outage');
    // The relay gives it its cursor even while it cannot publish; the replay reads by cursor.
    // (Until then the event is neither replayable nor live: it would come when Redis returns.)
    await waitFor(
      async () => {
        const rows = (await s.app.orm.em
          .getConnection()
          .execute('select count(*)::int as n from outbox_event where cursor is null')) as { n: number }[];
        return rows[0]!.n === 0;
      },
      10_000,
      'the relay to give the event its cursor',
    );

    // The first subscriber to notificationReceived on this instance, while Redis is down.
    const sub = subscribe(s.ws(u.accessToken), NotificationReceivedDocument, { since: '0' });
    expect(title(await sub.next())).toBe('Welcome');
    expect(title(await sub.next())).toBe('during the outage');

    await redis.start();
    await notify(s, u.id, 'after Redis returned');
    expect(title(await sub.next(10_000))).toBe('after Redis returned');

    // A subscriber that comes later is live as well: no failed subscribe was kept.
    const later = await listen(s, u.accessToken, NotificationReceivedDocument, {});
    await notify(s, u.id, 'live for both');
    expect(title(await later.next())).toBe('live for both');
    expect(title(await sub.next())).toBe('live for both');
    expect(sub.results.map(title)).toEqual([
      'Welcome',
      'during the outage',
      'after Redis returned',
      'live for both',
    ]);
    sub.dispose();
    later.dispose();
  }, 30_000);
});

describeNeeds(REDIS_PROGRAM, 'the server process, Redis down', () => {
  let redis: PrivateRedis;
  let p: ServerProcess;
  let dropDb: () => Promise<void>;
  beforeAll(async () => {
    redis = await PrivateRedis.create();
    const db = await createTestDatabase();
    dropDb = db.drop;
    p = await startServerProcess({ DATABASE_URL: db.url, REDIS_URL: redis.url });
  }, 40_000);
  afterAll(async () => {
    await p?.kill();
    await redis?.stop();
    await dropDb?.();
  });

  it('keeps serving when the first subscription opens during the outage, and goes live when Redis returns', async () => {
    const server = p as unknown as TestServer;
    const u = await signUp(server);
    await redis.stop();
    const subscriberErrors = () =>
      p.logs().filter((l) => l.msg === 'redis connection error' && l.role === 'subscriber').length;

    const sub = subscribe(p.ws(u.accessToken), NotificationReceivedDocument, { since: '0' });
    expect(title(await sub.next())).toBe('Welcome');
    // The crash came when the SUBSCRIBE failed after a reconnect attempt: let the subscriber
    // fail to reconnect twice more with the subscription open (logged), then look.
    const seen = subscriberErrors();
    await waitFor(() => subscriberErrors() >= seen + 2, 10_000, 'two more reconnect attempts');
    expect(p.alive()).toBe(true);
    expect((await fetch(p.url.replace('/graphql', '/healthz'))).status).toBe(200);
    expect((await fetch(p.url.replace('/graphql', '/readyz'))).status).toBe(503);

    await redis.start();
    await waitFor(
      async () => (await fetch(p.url.replace('/graphql', '/readyz'))).status === 200,
      10_000,
      'ready again',
    );
    // An approval notification, committed now, arrives live.
    ok(
      await server.gql(SubmitApplicationDocument, { input: primeLoan() as never }, { token: u.accessToken }),
    );
    const next = await sub.next(10_000);
    expect(title(next)).toEqual(expect.any(String));
    expect(title(next)).not.toBe('Welcome');
    expect(p.alive()).toBe(true);
    expect(p.logs().filter((l) => /unhandled|uncaught/i.test(String(l.msg)))).toEqual([]);
    sub.dispose();
  }, 40_000);
});

describe('process-level handlers', () => {
  let dropDb: () => Promise<void>;
  let databaseUrl: string;
  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDb = db.drop;
    databaseUrl = db.url;
  });
  afterAll(async () => {
    await dropDb?.();
  });

  const start = (fault: string) =>
    startServerProcess(
      { DATABASE_URL: databaseUrl, TEST_INJECT_FAULT: fault },
      { preload: ['./test/support/inject-fault.ts'] },
    );

  it('an unhandled rejection is logged with what it was, and the server keeps serving', async () => {
    const p = await start('rejection');
    try {
      p.child.kill('SIGUSR2');
      await waitFor(() => p.logs().some((l) => l.kind === 'unhandledRejection'), 5000, 'the log line');
      expect(p.logs().find((l) => l.kind === 'unhandledRejection')).toMatchObject({
        level: 50,
        msg: 'unhandled promise rejection; still serving',
        err: { type: 'Error', message: 'injected: a background task failed' },
      });
      const res = await p.gql('{ __typename }');
      expect(res.data).toEqual({ __typename: 'Query' });
      expect(p.alive()).toBe(true);
    } finally {
      await p.kill();
    }
  }, 40_000);

  it('an uncaught exception is logged, then the server shuts down cleanly and exits 1', async () => {
    const p = await start('exception');
    try {
      p.child.kill('SIGUSR2');
      const { code } = await p.exited;
      expect(code).toBe(1);
      const logs = p.logs();
      expect(logs.find((l) => l.kind === 'uncaughtException')).toMatchObject({
        level: 60,
        err: { message: 'injected: a callback threw' },
      });
      expect(logs.map((l) => l.msg)).toContain('shutdown complete');
    } finally {
      await p.kill();
    }
  }, 40_000);
});
