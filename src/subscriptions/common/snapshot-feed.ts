import type { Logger } from '../../lib/logger';

/**
 * A subscription's source event: one snapshot. The `cursor` names the snapshot, so the
 * fan-out (ws-fanout.ts) executes and serialises it once for every socket it goes to.
 */
export interface SnapshotEvent<T> {
  cursor: string;
  snapshot: T;
}

/** Where a piped stream's snapshots go (the fan-out's delivery). */
interface SnapshotSink<T> {
  event(e: SnapshotEvent<T>): void;
  end(): void;
  fail(err: unknown): void;
}

export interface SnapshotFeedOptions<T> {
  /** Prefix of the snapshots' cursors. */
  name: string;
  /** Takes one snapshot (one statement, whatever the number of subscribers). */
  compute: () => Promise<T>;
  /** What must differ for a snapshot to be news (its figures, without the instant it was taken). */
  figures: (snapshot: T) => string;
  intervalMs: number;
  log: Logger;
}

/**
 * Figures derived per server instance, pushed to its subscribers (the admin dashboard,
 * SPEC section 10): not events of the outbox, so nothing to relay between instances or to
 * replay. While at least one subscriber is open on this instance, a snapshot is taken every
 * `intervalMs` (never two at once), once for all of them, and sent to all of them only when
 * its figures differ from the last one sent. A new subscriber gets the current snapshot at
 * once (the first one taken as it subscribes). With nobody subscribed nothing runs.
 */
export class SnapshotFeed<T> {
  private readonly streams = new Set<SnapshotStream<T>>();
  private timer: NodeJS.Timeout | null = null;
  private computing: Promise<void> | null = null;
  private last: { figures: string; event: SnapshotEvent<T> } | null = null;
  private sequence = 0;
  private stopped = false;
  private taken = 0;

  constructor(private readonly o: SnapshotFeedOptions<T>) {}

  /** Subscribers open on this instance. */
  get subscribers(): number {
    return this.streams.size;
  }

  /** Snapshots taken since start (each one statement): tests compare it with what ran. */
  get snapshotsTaken(): number {
    return this.taken;
  }

  /** Whether the ticker runs: only while someone is subscribed on this instance. */
  get ticking(): boolean {
    return this.timer !== null;
  }

  /** A subscriber's stream of snapshots; it ends when returned, or when the feed stops. */
  open(): AsyncIterableIterator<SnapshotEvent<T>> {
    const stream = new SnapshotStream<T>((s) => this.close(s));
    if (this.stopped) {
      stream.end();
      return stream;
    }
    this.streams.add(stream);
    if (this.last) stream.push(this.last.event);
    if (!this.timer) {
      this.tick();
      this.timer = setInterval(() => this.tick(), this.o.intervalMs);
      this.timer.unref();
    }
    return stream;
  }

  /** Nothing to start: the feed runs only while someone subscribes. */
  start(): void {}

  /** Shutdown: no more snapshots, every stream ends, and the snapshot under way finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.idle();
    for (const s of [...this.streams]) s.end();
    await this.computing;
  }

  private close(stream: SnapshotStream<T>): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.idle();
  }

  private idle(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.last = null;
  }

  private tick(): void {
    if (this.computing || this.streams.size === 0) return;
    this.taken++;
    this.computing = this.o
      .compute()
      .then(
        (snapshot) => this.publish(snapshot),
        (err: unknown) =>
          this.o.log.warn({ err, feed: this.o.name }, 'snapshot failed; next tick tries again'),
      )
      .finally(() => (this.computing = null));
  }

  /** News goes to everyone; unchanged figures only to those who have none yet. */
  private publish(snapshot: T): void {
    if (this.streams.size === 0) return;
    const figures = this.o.figures(snapshot);
    const news = this.last?.figures !== figures;
    if (news) this.last = { figures, event: { cursor: `${this.o.name}:${++this.sequence}`, snapshot } };
    const event = this.last!.event;
    for (const s of this.streams) if (news || !s.primed) s.push(event);
  }
}

/** One subscriber's snapshots: pushed to its sink when piped, else held (only the newest) for `next()`. */
class SnapshotStream<T> implements AsyncIterableIterator<SnapshotEvent<T>> {
  /** It was sent a snapshot already. */
  primed = false;
  private sink: SnapshotSink<T> | null = null;
  private held: SnapshotEvent<T> | null = null;
  private waiter: ((r: IteratorResult<SnapshotEvent<T>>) => void) | null = null;
  private done = false;

  constructor(private readonly onEnd: (s: SnapshotStream<T>) => void) {}

  push(e: SnapshotEvent<T>): void {
    if (this.done) return;
    this.primed = true;
    if (this.sink) return this.sink.event(e);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      return w({ value: e, done: false });
    }
    this.held = e; // a newer snapshot replaces one not yet taken
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.held = null;
    this.onEnd(this);
    const sink = this.sink;
    this.sink = null;
    sink?.end();
    const w = this.waiter;
    this.waiter = null;
    w?.({ value: undefined, done: true });
  }

  /** The fan-out's way in (as `LiveStream.pipe`): snapshots are handed over as they come. */
  pipe(sink: SnapshotSink<T>): void {
    if (this.done) return sink.end();
    this.sink = sink;
    const held = this.held;
    this.held = null;
    if (held) sink.event(held);
  }

  next(): Promise<IteratorResult<SnapshotEvent<T>>> {
    const held = this.held;
    if (held) {
      this.held = null;
      return Promise.resolve({ value: held, done: false });
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<SnapshotEvent<T>>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<SnapshotEvent<T>>> {
    return this.return();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<SnapshotEvent<T>> {
    return this;
  }
}
