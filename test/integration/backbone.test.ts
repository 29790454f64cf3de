import { NotificationReceivedDocument } from '../generated/contract';
import { OutboxEvent } from '../../src/entities';
import { notify, signUp } from '../support/fixtures';
import { listen, waitFor } from '../support/live';
import { describeNeeds, REDIS, REDIS_PROGRAM } from '../support/needs';
import { PrivateRedis } from '../support/redis-server';
import { startTestServer, type TestServer } from '../support/server';
import { fromGlobalId } from '../../src/lib/global-id';
import { Client as PgClient } from 'pg';
import { createTestDatabase } from '../support/databases';
import { watchStatements } from '../support/observe';
import { createLogger } from '../../src/lib/logger';
import { OutboxRelay } from '../../src/subscriptions/common/outbox-relay';
import type { BusMessage, EventBus } from '../../src/subscriptions/common/pubsub';

/**
 * The live-event backbone across processes: outbox, relay, Redis, resume. All but the
 * rolled-back change need a real Redis (CI always has one; test/support/needs.ts).
 */
describeNeeds(REDIS, 'two server instances on one database and Redis', () => {
  let a: TestServer & { redisPrefix: string };
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer();
    b = await startTestServer({ database: a.databaseUrl, redisPrefix: a.redisPrefix });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a subscriber on one instance receives an event committed on the other', async () => {
    const u = await signUp(a);
    const sub = await listen(a, u.accessToken, NotificationReceivedDocument, {});
    await notify(b, u.id, 'caused on B');
    const got = await sub.next();
    expect(got.data!.notificationReceived.notification.title).toBe('caused on B');
    sub.dispose();
  });

  it('events from both instances get distinct, increasing cursors and each arrives once', async () => {
    const u = await signUp(a);
    const sub = await listen(b, u.accessToken, NotificationReceivedDocument, {});
    await Promise.all(Array.from({ length: 20 }, (_, i) => notify(i % 2 ? a : b, u.id, `n${i}`)));
    for (let i = 0; i < 20; i++) await sub.next();
    const cursors = sub.results.map((r) => BigInt(r.data!.notificationReceived.cursor));
    expect(new Set(cursors).size).toBe(20);
    expect(cursors).toEqual([...cursors].sort((x, y) => (x < y ? -1 : 1)));
    expect(new Set(sub.results.map((r) => r.data!.notificationReceived.notification.title)).size).toBe(20);
    sub.dispose();
  });
});

describe('a change rolled back', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('is never announced, and leaves nothing in the outbox', async () => {
    const u = await signUp(s);
    const userId = fromGlobalId(u.id)!.id;
    const sub = await listen(s, u.accessToken, NotificationReceivedDocument, {});
    const services = s.app.services;
    await expect(
      services.tx.run(s.app.orm.em.fork(), async (tx) => {
        services.notifications.notify(tx, userId, 'WELCOME' as never, 'rolled back', 'never');
        await tx.em.flush();
        throw new Error('the change fails after writing its event');
      }),
    ).rejects.toThrow('the change fails');
    await notify(s, u.id, 'committed');
    const first = await sub.next();
    expect(first.data!.notificationReceived.notification.title).toBe('committed');
    const rows = await s.app.orm.em.fork().find(OutboxEvent, { audience: { $contains: [userId] } });
    expect(rows.map((r) => (r.payload as { title: string }).title).sort()).toEqual(['Welcome', 'committed']);
    sub.dispose();
  });
});

describeNeeds(REDIS_PROGRAM, 'Redis down for a while', () => {
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

  it('an event committed while Redis is stopped arrives after Redis returns', async () => {
    const u = await signUp(s);
    const sub = await listen(s, u.accessToken, NotificationReceivedDocument, {});
    await notify(s, u.id, 'before');
    expect((await sub.next()).data!.notificationReceived.notification.title).toBe('before');

    await redis.stop();
    await notify(s, u.id, 'during the outage'); // commits: the database is fine
    const ready = await fetch(s.url.replace('/graphql', '/readyz'));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unavailable',
      database: true,
      pubsub: 'redis',
      redis: false,
    });
    await redis.start();

    const during = await sub.next(15_000);
    expect(during.data!.notificationReceived.notification.title).toBe('during the outage');
    await notify(s, u.id, 'after');
    expect((await sub.next()).data!.notificationReceived.notification.title).toBe('after');
    expect(sub.results).toHaveLength(3);
    await waitFor(
      async () => (await fetch(s.url.replace('/graphql', '/readyz'))).status === 200,
      5000,
      'ready again',
    );
    sub.dispose();
  });
});

describe('the relay on its own, over a backlog', () => {
  /** A bus that records each batch and accepts only the first `accept` messages of it. */
  class RecordingBus implements EventBus {
    batches: BusMessage[][] = [];
    accept = Infinity;
    async publish(): Promise<void> {
      throw new Error('the relay publishes batches');
    }
    async publishAll(messages: readonly BusMessage[]): Promise<number> {
      this.batches.push([...messages]);
      return Math.min(this.accept, messages.length);
    }
    async subscribe(): Promise<() => void> {
      return () => undefined;
    }
    onResync(): void {}
    async ping(): Promise<boolean> {
      return true;
    }
    async close(): Promise<void> {}
  }

  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pg: PgClient;
  let bus: RecordingBus;
  let relay: OutboxRelay;
  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    bus = new RecordingBus();
    relay = new OutboxRelay(db.url, bus, createLogger('silent'), 60_000); // ticks only when told
  });
  afterAll(async () => {
    await relay?.stop();
    await pg?.end();
    await db?.drop();
  });

  const write = (titles: string[]) =>
    pg.query(
      `insert into outbox_event (type, audience, payload, created_at)
       select 'NOTIFICATION', '{u1}', jsonb_build_object('title', t), now() from unnest($1::text[]) as t`,
      [titles],
    );
  const sent = (batch: BusMessage[]) =>
    batch.map((m) => {
      const e = JSON.parse(m.message) as { cursor: string; payload: { title: string } };
      return [e.cursor, e.payload.title];
    });
  const unpublished = async () =>
    (
      await pg.query<{ n: number }>(
        `select count(*)::int as n from outbox_event where cursor is null
           or cursor > (select published_through from outbox_relay_state where id = 1)`,
      )
    ).rows[0]!.n;
  const titles = (from: number, n: number) => Array.from({ length: n }, (_, i) => `e${from + i}`);

  it('gives 30 waiting events cursors in order and publishes them as one batch, in three statements', async () => {
    await write(titles(1, 30));
    const statements: string[] = [];
    const outcome = await watchStatements(
      (_c, text) => statements.push(text),
      () => relay.tick(),
    );
    expect(outcome).toBe('done');
    expect(statements).toHaveLength(3); // the lock; read and assign; mark published and unlock
    expect(bus.batches).toHaveLength(1);
    expect(sent(bus.batches[0]!)).toEqual(titles(1, 30).map((t, i) => [String(i + 1), t]));
    expect(bus.batches[0]!.every((m) => m.channel === 'events:NOTIFICATION')).toBe(true);
    expect(await unpublished()).toBe(0);
  });

  it('when the bus takes only part, the rest keep their cursors and go out first next time', async () => {
    bus.batches = [];
    await write(titles(31, 10));
    bus.accept = 4;
    expect(await relay.tick()).toBe('done');
    expect(sent(bus.batches[0]!).map(([c]) => c)).toEqual(titles(31, 10).map((_, i) => String(31 + i)));
    expect(await unpublished()).toBe(6);

    await write(titles(41, 5));
    bus.accept = Infinity;
    expect(await relay.tick()).toBe('done');
    expect(sent(bus.batches[1]!)).toEqual(titles(35, 11).map((t, i) => [String(35 + i), t]));
    expect(await unpublished()).toBe(0);
  });
});
