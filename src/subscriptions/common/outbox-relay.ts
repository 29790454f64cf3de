import { Client } from 'pg';
import type { Logger } from '../../lib/logger';
import type { EventBus } from './pubsub';
import { channelOf, type LiveEvent } from './topics';

/** Arbitrary constant: the advisory lock that makes one relay at a time the leader. */
const RELAY_LOCK = 7_243_001;
const BATCH = 500;

interface Row {
  id: string;
  cursor: string;
  type: string;
  audience: string[];
  object_id: string | null;
  payload: Record<string, unknown>;
}

/**
 * Moves committed outbox events to the bus.
 *
 * A tick holds a session-level advisory lock on the relay's own connection, so across all
 * server instances exactly one relay works at a time. Under that lock it gives cursors to
 * the events that have none yet (max(cursor) + 1, 2, ... in id order) and commits: cursors
 * therefore increase in the order events become visible, even when an earlier-written
 * transaction commits later. Only then are the events published, in cursor order, and
 * marked published: a subscriber that reads the outbox after it started listening sees
 * every event it did not receive live. If the bus is down, publishing stops at the first
 * failure; the events keep their cursors and go out first on a later tick, so nothing
 * committed is lost and the order is kept. Rolled-back changes never reach the table, so
 * they are never announced.
 *
 * A tick is started right after a local commit that wrote events (`kick`) and by a poll.
 * A relay that finds the lock taken tries again shortly: the leader may have read the
 * table before our commit.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private dirty = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private client: Client | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Relay soon; coalesces with a tick already under way. */
  kick(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (!this.running) this.running = this.loop().finally(() => (this.running = null));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.running;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        const outcome = await this.tick();
        if (outcome === 'busy') this.retrySoon();
        else if (outcome === 'more') this.dirty = true;
      } catch (err) {
        this.log.error({ err }, 'outbox relay tick failed');
        await this.client?.end().catch(() => undefined);
        this.client = null; // reconnect next time
      }
    }
  }

  private retrySoon(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, 20);
    this.retryTimer.unref();
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'outbox-relay' });
    client.on('error', (err) => this.log.warn({ err: err.message }, 'outbox relay connection error'));
    await client.connect();
    this.client = client;
    return client;
  }

  /** One pass. Returns whether the lock was taken by another relay, or more work remains. */
  async tick(): Promise<'busy' | 'done' | 'more'> {
    const db = await this.connection();
    const lock = await db.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
      RELAY_LOCK,
    ]);
    if (!lock.rows[0]!.locked) return 'busy';
    try {
      const pending = await db.query<Row>(
        `select id, cursor, type, audience, object_id, payload from outbox_event
         where cursor is not null and published_at is null order by cursor limit $1`,
        [BATCH],
      );
      const assigned = await db.query<Row>(
        `with base as (select coalesce(max(cursor), 0) as m from outbox_event),
              todo as (select id, row_number() over (order by id) as rn from outbox_event
                       where cursor is null order by id limit $1)
         update outbox_event o set cursor = base.m + todo.rn from base, todo where o.id = todo.id
         returning o.id, o.cursor, o.type, o.audience, o.object_id, o.payload`,
        [BATCH],
      ); // autocommit: the cursors are visible before anything is published
      const rows = [
        ...pending.rows,
        ...assigned.rows.sort((a, b) => Number(BigInt(a.cursor) - BigInt(b.cursor))),
      ];
      if (rows.length === 0) return 'done';

      const published: string[] = [];
      for (const row of rows) {
        const event: LiveEvent = {
          cursor: String(row.cursor),
          type: row.type,
          audience: row.audience,
          objectId: row.object_id,
          payload: row.payload,
        };
        try {
          await this.bus.publish(channelOf(row.type), JSON.stringify(event));
        } catch (err) {
          this.log.warn(
            { err: (err as Error).message, cursor: event.cursor },
            'event bus unavailable; will retry',
          );
          break;
        }
        published.push(row.id);
      }
      if (published.length) {
        await db.query('update outbox_event set published_at = now() where id = any($1::bigint[])', [
          published,
        ]);
      }
      const full = pending.rows.length === BATCH || assigned.rows.length === BATCH;
      return published.length === rows.length && full ? 'more' : 'done';
    } finally {
      await db.query('select pg_advisory_unlock($1)', [RELAY_LOCK]);
    }
  }
}
