import type { Knex } from '@mikro-orm/postgresql';
import type { Logger } from '../lib/logger';
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
 * A tick runs in one transaction holding a transaction-level advisory lock, so across all
 * server instances exactly one relay works at a time. Under that lock it gives cursors to
 * the events that have none yet (max(cursor) + 1, 2, ... in id order): cursors therefore
 * increase in the order events become visible, even when an earlier-written transaction
 * commits later. Events are then published in cursor order and marked published. If the
 * bus is down, publishing stops at the first failure; the events keep their cursors and
 * go out first on a later tick, so nothing committed is lost and the order is kept.
 * Rolled-back changes never reach the table, so they are never announced.
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

  constructor(
    private readonly knex: Knex,
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

  /** One pass. Returns whether the lock was taken by another relay, or more work remains. */
  async tick(): Promise<'busy' | 'done' | 'more'> {
    return this.knex.transaction(async (trx) => {
      const lock = await trx.raw<{ rows: { locked: boolean }[] }>('select pg_try_advisory_xact_lock(?) as locked', [
        RELAY_LOCK,
      ]);
      if (!lock.rows[0]!.locked) return 'busy' as const;

      const pending = await trx.raw<{ rows: Row[] }>(
        `select id, cursor, type, audience, object_id, payload from outbox_event
         where cursor is not null and published_at is null order by cursor limit ?`,
        [BATCH],
      );
      const assigned = await trx.raw<{ rows: Row[] }>(
        `with base as (select coalesce(max(cursor), 0) as m from outbox_event),
              todo as (select id, row_number() over (order by id) as rn from outbox_event
                       where cursor is null order by id limit ?)
         update outbox_event o set cursor = base.m + todo.rn from base, todo where o.id = todo.id
         returning o.id, o.cursor, o.type, o.audience, o.object_id, o.payload`,
        [BATCH],
      );
      const rows = [...pending.rows, ...assigned.rows.sort((a, b) => Number(BigInt(a.cursor) - BigInt(b.cursor)))];
      if (rows.length === 0) return 'done' as const;

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
          this.log.warn({ err: (err as Error).message, cursor: event.cursor }, 'event bus unavailable; will retry');
          break;
        }
        published.push(row.id);
      }
      if (published.length) {
        await trx.raw('update outbox_event set published_at = now() where id = any(?::bigint[])', [published]);
      }
      const full = pending.rows.length === BATCH || assigned.rows.length === BATCH;
      return published.length === rows.length && full ? ('more' as const) : ('done' as const);
    });
  }
}
