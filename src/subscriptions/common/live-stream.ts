import type { Knex } from '@mikro-orm/postgresql';
import type { Logger } from '../../lib/logger';
import { cursorExpired, prunedThrough } from './outbox-retention';
import type { EventBus } from './pubsub';
import { audienceKeys, channelOf, type LiveEvent } from './topics';

export interface StreamOptions {
  type: string;
  viewer: { userId: string; isAdmin: boolean; roles?: readonly string[] };
  /** The last cursor the client saw: replay what came after it, then go live. */
  since: string | null;
  /** `mine`: events whose audience holds the viewer (by id or role). `all`: every event (admins only). */
  scope: 'mine' | 'all';
  /** Only events about this object. */
  objectId?: string | null;
  /** Re-checked for every event just before it is sent (the subscriber may have lost access). */
  canSee?: (event: LiveEvent) => boolean | Promise<boolean>;
}

type Listener = (event: LiveEvent) => void;

/** Where a piped stream's events go (`LiveStream.pipe`). */
export interface EventSink {
  event(e: LiveEvent): void;
  end(): void;
  fail(err: unknown): void;
}

/** A stream that can push its events instead of being pulled (a `LiveHub` stream). */
export const isPipeable = (s: unknown): s is { pipe(sink: EventSink): void } =>
  typeof (s as { pipe?: unknown } | null)?.pipe === 'function';

const PAGE = 200;
/** A subscriber this far behind is disconnected rather than buffered without bound. */
const MAX_QUEUE = 1000;

/**
 * One per server instance: a single bus subscription per event type, routed to the local
 * streams. Opens streams that replay from the outbox and then follow the bus.
 */
export class LiveHub {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly unsubscribers = new Map<string, Promise<() => void>>();
  private readonly resyncListeners = new Set<() => void>();
  private open = 0;

  constructor(
    readonly knex: Knex,
    private readonly bus: EventBus,
    private readonly log: Logger,
    /** How long the outbox keeps events (for the message when a `since` is too old). */
    readonly retentionDays: number,
  ) {
    bus.onResync(() => {
      for (const l of this.resyncListeners) l();
    });
  }

  get openStreams(): number {
    return this.open;
  }

  /** Starts a stream; resolves once it is listening, so no later event can be missed. */
  async stream(options: StreamOptions): Promise<AsyncIterableIterator<LiveEvent>> {
    const s = new LiveStream(this, options);
    await s.start();
    return s;
  }

  async addListener(type: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
    let subscribed = this.unsubscribers.get(type);
    if (!subscribed) {
      subscribed = this.bus.subscribe(channelOf(type), (message) => this.dispatch(type, message));
      this.unsubscribers.set(type, subscribed);
    }
    try {
      await subscribed;
    } catch (err) {
      // Never kept: the next subscriber to this type tries again.
      if (this.unsubscribers.get(type) === subscribed) this.unsubscribers.delete(type);
      set.delete(listener);
      throw err;
    }
    this.open++;
    return () => {
      this.open--;
      set.delete(listener);
    };
  }

  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const p of this.unsubscribers.values()) (await p.catch(() => () => undefined))();
    this.unsubscribers.clear();
    this.listeners.clear();
  }

  private dispatch(type: string, message: string): void {
    const set = this.listeners.get(type);
    if (!set || set.size === 0) return;
    let event: LiveEvent;
    try {
      event = JSON.parse(message) as LiveEvent;
    } catch (err) {
      this.log.error({ err }, 'unreadable live event');
      return;
    }
    for (const l of set) l(event);
  }
}

class LiveStream implements AsyncIterableIterator<LiveEvent> {
  private last: bigint = 0n;
  private readonly queue: LiveEvent[] = [];
  private waiter: ((r: IteratorResult<LiveEvent>) => void) | null = null;
  private buffer: LiveEvent[] = [];
  private catchingUp = true;
  private catchUpAgain = false;
  private catchUpRunning = false;
  private finished = false;
  private chain: Promise<void> = Promise.resolve();
  private cleanup: (() => void)[] = [];
  /** The audience entries that reach this viewer. */
  private readonly keys: string[];

  constructor(
    private readonly hub: LiveHub,
    private readonly o: StreamOptions,
  ) {
    this.keys = audienceKeys(o.viewer);
  }

  async start(): Promise<void> {
    // Listen first, then read the table: an event is then either in the read or arrives live.
    this.cleanup.push(await this.hub.addListener(this.o.type, (e) => this.onLive(e)));
    this.cleanup.push(this.hub.onResync(() => void this.catchUp()));
    if (this.o.since != null) {
      this.last = BigInt(this.o.since);
      const pruned = await prunedThrough(this.hub.knex);
      if (this.last < pruned) {
        this.finish();
        throw cursorExpired(this.last, pruned, this.hub.retentionDays);
      }
    } else {
      const r = await this.hub.knex.raw<{ rows: { m: string | null }[] }>(
        'select max(cursor) as m from outbox_event',
      );
      this.last = BigInt(r.rows[0]?.m ?? 0);
    }
    await this.catchUp();
  }

  private matches(e: LiveEvent): boolean {
    if (e.type !== this.o.type) return false;
    if (this.o.objectId && e.objectId !== this.o.objectId) return false;
    if (this.o.scope === 'all') return this.o.viewer.isAdmin;
    for (const k of this.keys) if (e.audience.includes(k)) return true;
    return false;
  }

  private onLive(e: LiveEvent): void {
    if (this.finished || !this.matches(e)) return;
    if (this.catchingUp) this.buffer.push(e);
    else this.deliver(e);
  }

  /** Reads what came after the last delivered cursor from the outbox (on start and after a bus outage). */
  private async catchUp(): Promise<void> {
    if (this.finished) return;
    if (this.catchUpRunning) {
      this.catchUpAgain = true;
      return;
    }
    this.catchUpRunning = true;
    this.catchingUp = true;
    try {
      do {
        this.catchUpAgain = false;
        const from = this.last;
        for (;;) {
          const rows = await this.readAfter(this.last);
          for (const e of rows) this.deliver(e);
          if (rows.length < PAGE || this.finished) break;
        }
        // Pruned past where this read started (an outage longer than the retention, or a
        // prune racing the read): something may be missing, and silence would hide it.
        const pruned = await prunedThrough(this.hub.knex);
        if (from < pruned) throw cursorExpired(from, pruned, this.hub.retentionDays);
      } while (this.catchUpAgain && !this.finished);
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      this.catchUpRunning = false;
    }
    const buffered = this.buffer.sort((a, b) => (BigInt(a.cursor) < BigInt(b.cursor) ? -1 : 1));
    this.buffer = [];
    this.catchingUp = false;
    for (const e of buffered) this.deliver(e);
  }

  private async readAfter(after: bigint): Promise<LiveEvent[]> {
    const where = ['type = ?', 'cursor > ?'];
    const params: (string | number)[] = [this.o.type, after.toString()];
    if (this.o.scope === 'mine') {
      where.push(`audience && array[${this.keys.map(() => '?').join(', ')}]::text[]`);
      params.push(...this.keys);
    } else if (!this.o.viewer.isAdmin) {
      return [];
    }
    if (this.o.objectId) {
      where.push('object_id = ?');
      params.push(this.o.objectId);
    }
    params.push(PAGE);
    const r = await this.hub.knex.raw<{
      rows: {
        cursor: string;
        type: string;
        audience: string[];
        object_id: string | null;
        payload: Record<string, unknown>;
      }[];
    }>(
      `select cursor, type, audience, object_id, payload from outbox_event where ${where.join(' and ')} order by cursor limit ?`,
      params,
    );
    return r.rows.map((row) => ({
      cursor: String(row.cursor),
      type: row.type,
      audience: row.audience,
      objectId: row.object_id,
      payload: row.payload,
    }));
  }

  /**
   * In cursor order, once: anything at or before the last delivered cursor is a duplicate.
   * Without a `canSee` check the event is pushed at once (nothing can be ahead of it: the
   * chain only ever holds checks); with one, after the checks of earlier events.
   */
  private deliver(e: LiveEvent): void {
    const c = BigInt(e.cursor);
    if (c <= this.last) return;
    this.last = c;
    if (!this.o.canSee) {
      if (!this.finished) this.push(e);
      return;
    }
    const canSee = this.o.canSee;
    this.chain = this.chain.then(async () => {
      if (this.finished) return;
      if (!(await canSee(e))) return;
      this.push(e);
    });
  }

  private push(e: LiveEvent): void {
    if (this.sink) {
      this.sink.event(e);
      return;
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: e, done: false });
      return;
    }
    this.queue.push(e);
    if (this.queue.length > MAX_QUEUE) this.fail(new Error('subscriber too slow; stream closed'));
  }

  private failure: unknown = null;

  private fail(err: unknown): void {
    this.failure = err;
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const c of this.cleanup) c();
    this.cleanup = [];
    if (this.sink) {
      const sink = this.sink;
      this.sink = null;
      const err = this.failure;
      this.failure = null;
      if (err) sink.fail(err);
      else sink.end();
      return;
    }
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
  }

  private sink: EventSink | null = null;

  /**
   * Hands every event to `sink` as it passes the checks, instead of queueing it for `next()`
   * (what was queued first): the fan-out's way to skip a promise per event and subscriber.
   * The stream then ends through `sink.end()` or `sink.fail(err)`.
   */
  pipe(sink: EventSink): void {
    this.sink = sink;
    for (const e of this.queue.splice(0)) sink.event(e);
    if (this.finished) {
      this.sink = null;
      const err = this.failure;
      this.failure = null;
      if (err) sink.fail(err);
      else sink.end();
    }
  }

  next(): Promise<IteratorResult<LiveEvent>> {
    const e = this.queue.shift();
    if (e) return Promise.resolve({ value: e, done: false });
    if (this.finished) {
      if (this.failure) {
        const err = this.failure;
        this.failure = null;
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<LiveEvent>> {
    this.queue.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<LiveEvent>> {
    this.fail(err);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LiveEvent> {
    return this;
  }
}
