import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../lib/logger';
import type { EventBus } from './pubsub';
import { channelOf } from './topics';

/** Arbitrary constant: the advisory lock that makes one relay at a time the leader. */
const RELAY_LOCK = 7_243_001;
const BATCH = 500;
/**
 * Least time between the starts of two ticks while events keep coming, so that under load a
 * tick relays a batch rather than one event: its three statements and one Redis round trip
 * are paid once per batch. A relay that has been idle this long starts at once.
 */
const MIN_TICK_GAP_MS = 20;

/** An event to publish; `message` is its `LiveEvent` as JSON text, made by PostgreSQL. */
interface Row {
  cursor: string;
  type: string;
  assigned: boolean;
  message: string;
}

/**
 * Moves committed outbox events to the bus.
 *
 * A tick holds a session-level advisory lock on the relay's own connection, so across all
 * server instances exactly one relay works at a time. Under that lock it gives cursors to
 * the events that have none yet (max(cursor) + 1, 2, ... in id order) and commits: cursors
 * therefore increase in the order events become visible, even when an earlier-written
 * transaction commits later. Only then are the events published, in cursor order, in one
 * batch, and the published mark (`outbox_relay_state.published_through`) moves past them:
 * a subscriber that reads the outbox after it started listening sees every event it did
 * not receive live. If the bus takes only the first part of a batch, the mark stops there;
 * the rest keep their cursors and go out first on a later tick, so nothing committed is
 * lost and the order is kept. Rolled-back changes never reach the table, so they are never
 * announced.
 *
 * A tick is started right after a local commit that wrote events (`kick`) and by a poll,
 * at most one every `MIN_TICK_GAP_MS` while events keep coming. A relay that finds the
 * lock taken tries again shortly: the leader may have read the table before our commit.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private dirty = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private client: Client | null = null;
  private lastTickAt = -Infinity;

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
      const wait = this.lastTickAt + MIN_TICK_GAP_MS - performance.now();
      if (wait > 0) await sleep(wait); // kicks meanwhile join this tick
      if (this.stopped) break;
      this.dirty = false;
      this.lastTickAt = performance.now();
      try {
        const outcome = await this.tick();
        if (outcome === 'busy') this.retrySoon();
        else if (outcome === 'more') {
          this.dirty = true;
          this.lastTickAt = -Infinity; // a full batch: the next one at once
        }
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

  /**
   * One pass: the lock, one statement that reads the events given cursors earlier but not
   * yet published (cursors above `outbox_relay_state.published_through`) and gives cursors
   * to the new ones, one publish of them all, and one statement that moves the mark past
   * what was published and releases the lock. Returns whether the lock was taken by another
   * relay, or more work remains.
   */
  async tick(): Promise<'busy' | 'done' | 'more'> {
    const db = await this.connection();
    const lock = await db.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
      RELAY_LOCK,
    ]);
    if (!lock.rows[0]!.locked) return 'busy';
    let publishedThrough: string | null = null;
    try {
      // Autocommit: the cursors are visible before anything is published. New cursors follow
      // max(cursor) of the same snapshot, so ordering the union by cursor puts the events
      // assigned earlier first.
      const { rows } = await db.query<Row>(
        `with pending as (select id, cursor, type, audience, object_id, payload from outbox_event
                          where cursor > (select published_through from outbox_relay_state where id = 1)
                          order by cursor limit $1),
              base as (select coalesce(max(cursor), 0) as m from outbox_event),
              todo as (select id, row_number() over (order by id) as rn from outbox_event
                       where cursor is null order by id limit $1),
              assigned as (update outbox_event o set cursor = base.m + todo.rn from base, todo
                           where o.id = todo.id
                           returning o.id, o.cursor, o.type, o.audience, o.object_id, o.payload),
              batch as (select *, false as assigned from pending
                        union all select *, true as assigned from assigned)
         select cursor, type, assigned,
                json_build_object('cursor', cursor::text, 'type', type, 'audience', audience,
                                  'objectId', object_id, 'payload', payload)::text as message
         from batch order by cursor`,
        [BATCH],
      );
      if (rows.length === 0) return 'done';

      const count = await this.bus.publishAll(
        rows.map((row) => ({ channel: channelOf(row.type), message: row.message })),
      );
      if (count > 0) publishedThrough = rows[count - 1]!.cursor;
      if (count < rows.length) {
        this.log.warn({ cursor: String(rows[count]!.cursor) }, 'event bus unavailable; will retry');
        return 'done';
      }
      const assigned = rows.filter((r) => r.assigned).length;
      return assigned === BATCH || rows.length - assigned === BATCH ? 'more' : 'done';
    } finally {
      await db.query(
        `with mark as (update outbox_relay_state set published_through = $1
                       where id = 1 and $1::bigint is not null)
         select pg_advisory_unlock($2)`,
        [publishedThrough, RELAY_LOCK],
      );
    }
  }
}
