import type { Knex } from '@mikro-orm/postgresql';
import { RequestRefused } from '../../lib/errors';
import type { Logger } from '../../lib/logger';

/** Rows deleted per statement, so a prune never holds many row locks or a long transaction. */
const BATCH = 1000;
/** Batches per pass; a backlog is worked off over several passes. */
const MAX_BATCHES = 50;

/**
 * The cursor up to which events have been pruned: a `since` below it cannot be replayed.
 * Cursors are dense (the relay hands out max + 1, 2, ...) and pruning removes a prefix in
 * cursor order, so it is the lowest cursor still kept, minus one.
 */
export async function prunedThrough(knex: Knex): Promise<bigint> {
  const r = await knex.raw<{ rows: { m: string | null }[] }>('select min(cursor) as m from outbox_event');
  const m = r.rows[0]?.m;
  return m == null ? 0n : BigInt(m) - 1n;
}

/** What a subscriber gets for a `since` older than what the server keeps. */
export function cursorExpired(since: bigint, prunedUpTo: bigint, retentionDays: number): RequestRefused {
  return new RequestRefused(
    'CURSOR_EXPIRED',
    `Events up to cursor ${prunedUpTo} are no longer kept (they are kept ${retentionDays} days), so ` +
      `nothing after cursor ${since} can be replayed. Reload the data, then subscribe without \`since\`.`,
  );
}

/**
 * Deletes relayed events older than the retention period, oldest cursor first. Only a
 * prefix in cursor order is ever deleted, so "pruned through N" is exact; never an event
 * not yet published; never the newest event (the next cursor continues from it). Any
 * instance may prune: two at once delete the same rows, and one finds nothing left.
 */
export class OutboxRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly knex: Knex,
    private readonly log: Logger,
    private readonly retentionDays: number,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private kick(): void {
    if (this.stopped || this.running) return;
    this.running = this.prune()
      .then(
        (n) => {
          if (n > 0) this.log.info({ pruned: n, retentionDays: this.retentionDays }, 'outbox pruned');
        },
        (err: unknown) => this.log.warn({ err }, 'outbox prune failed; will retry'),
      )
      .finally(() => (this.running = null));
  }

  /** One pass; returns how many events were deleted. */
  async prune(): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < MAX_BATCHES && !this.stopped; i++) {
      const head = await this.knex.raw<{
        rows: { old: string | null; unpublished: string | null; last: string | null; n: number }[];
      }>(
        `select max(cursor) filter (where created_at < now() - make_interval(days => ?)) as old,
                min(cursor) filter (where cursor > (select published_through from outbox_relay_state
                                                    where id = 1)) as unpublished,
                max(cursor) as last, count(*)::int as n
         from (select cursor, created_at from outbox_event
               where cursor is not null order by cursor limit ?) head`,
        [this.retentionDays, BATCH],
      );
      const h = head.rows[0]!;
      if (h.old == null) break;
      const newest = await this.knex.raw<{ rows: { m: string }[] }>(
        'select max(cursor) as m from outbox_event',
      );
      let cut = BigInt(h.old);
      if (h.unpublished != null && BigInt(h.unpublished) - 1n < cut) cut = BigInt(h.unpublished) - 1n;
      if (BigInt(newest.rows[0]!.m) - 1n < cut) cut = BigInt(newest.rows[0]!.m) - 1n;
      if (cut < 1n) break;
      const r = await this.knex.raw<{ rowCount: number }>('delete from outbox_event where cursor <= ?', [
        cut.toString(),
      ]);
      deleted += r.rowCount;
      // Stop unless the whole batch was old enough: the rest is younger.
      if (h.n < BATCH || cut !== BigInt(h.last!)) break;
    }
    return deleted;
  }
}
