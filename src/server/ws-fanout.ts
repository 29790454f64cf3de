import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type SelectionSetNode,
} from 'graphql';
import type { WebSocket } from 'ws';
import type { Viewer } from '../services/common/request-scope';
import { isPipeable } from '../subscriptions/common/live-stream';
import { VIEWER_INDEPENDENT_SUBSCRIPTIONS } from '../subscriptions/common/sharing';
import type { Metrics } from './metrics';

/**
 * One event, executed once, serialised once, sent to every socket that subscribed with the
 * same (document, operationName, variables, visibility) (SPEC section 13).
 *
 * graphql-js's `subscribe` maps every source event through `execute` per subscription, so an
 * event to 10,000 sockets ran the field's resolver (and its database reads) 10,000 times,
 * and graphql-ws then serialised each result per socket. Here:
 *
 * - Each subscription keeps its own source stream (`createSourceEventStream`, i.e. the
 *   field's `subscribe`, `LiveHub.stream`): it alone decides whether this viewer receives an
 *   event (audience, objectId, canSee, `since` replay, cursor order, slow-consumer cut-off).
 * - Mapping an event to its payload is shared: the first subscriber to map cursor C under
 *   key K executes the selection with the event as root value and a fresh context (its own
 *   EntityManager fork and loaders, the first subscriber's viewer), masks errors, and
 *   serialises the payload; the promise of that string is kept under (K, C) and every other
 *   subscriber with K awaits the same promise.
 * - The `next` message is written to the socket here, from the shared payload string and the
 *   operation's id, bypassing graphql-ws's per-socket `JSON.stringify` of the result; the
 *   subscription's iterator therefore yields nothing to graphql-ws and ends when the stream
 *   ends, after which graphql-ws sends `complete` (or `error`) as before.
 *
 * Entries live `ttlMs` at most (and at most `maxEntries` of them), so memory stays flat; a
 * subscriber that maps an older event after that executes it again, like before.
 */

/** What the fan-out knows of one subscription operation. */
export interface Subscriber {
  socket: WebSocket;
  /** `{"id":<operation id>,"type":"next","payload":`, encoded once: the start of every `next` message. */
  readonly prefix: Buffer;
  /** The sharing key: document, operationName, variables, visibility. */
  readonly key: string;
  viewer: Viewer | null;
  ip: string;
}

export interface FanOutOptions {
  metrics: Pick<Metrics, 'subscriptionExecutions' | 'subscriptionMessages'>;
  /** The context of one shared execution (a fresh EntityManager fork and loaders). */
  context(subscriber: Subscriber): unknown;
  /** The result as clients see it: errors masked, unexpected ones logged (once per execution). */
  finish(result: ExecutionResult): ExecutionResult;
  ttlMs?: number;
  maxEntries?: number;
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` variables share. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** The field names at the root of an operation, through fragments (whatever their directives). */
export function rootFieldNames(document: DocumentNode, operationName?: string | null): string[] {
  const op = getOperationAST(document, operationName);
  if (!op) return [];
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
  );
  const names = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) walk(f.selectionSet);
      }
    }
  };
  walk(op.selectionSet);
  return [...names];
}

/**
 * Who may share an execution: anyone, when every root field is declared viewer-independent
 * (`VIEWER_INDEPENDENT_SUBSCRIPTIONS`); otherwise only the same viewer (user, roles and admin
 * flag: what a resolver may read of the viewer).
 */
export function visibilityKey(
  document: DocumentNode,
  operationName: string | null | undefined,
  viewer: Viewer | null,
): string {
  const fields = rootFieldNames(document, operationName);
  if (fields.length > 0 && fields.every((f) => VIEWER_INDEPENDENT_SUBSCRIPTIONS.has(f))) return '*';
  if (!viewer) return 'anonymous';
  return `user:${viewer.userId}:${viewer.isAdmin ? 'admin' : ''}:${[...viewer.roles].sort().join(',')}`;
}

/** The sharing key of one subscription operation. */
export function sharingKey(o: {
  /** The document's identity: a digest of its text (DocumentCache). */
  documentKey: string;
  document: DocumentNode;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  viewer: Viewer | null;
}): string {
  return [
    o.documentKey,
    o.operationName ?? '',
    canonicalJson(o.variables ?? {}),
    visibilityKey(o.document, o.operationName, o.viewer),
  ].join('\n');
}

const cursorOf = (event: unknown): string | null => {
  const c = (event as { cursor?: unknown } | null)?.cursor;
  return typeof c === 'string' ? c : null;
};

/**
 * Bytes queued on a socket (not yet taken by the kernel) past which its subscription is ended
 * as too slow, like a LiveStream that falls 1,000 events behind: about 3,000 typical events.
 */
const SLOW_SOCKET_BYTES = 1024 * 1024;
const TEXT = { binary: false } as const;
const CLOSE_BRACE = 0x7d;

/** Writes `prefix + payload + "}"` as one text frame (copies, no encoding); false if the socket is too far behind. */
export function sendNext(socket: WebSocket, prefix: Buffer, payload: Buffer): boolean {
  if (socket.readyState !== socket.OPEN) return true;
  if (socket.bufferedAmount > SLOW_SOCKET_BYTES) return false;
  const frame = Buffer.allocUnsafe(prefix.length + payload.length + 1);
  prefix.copy(frame, 0);
  payload.copy(frame, prefix.length);
  frame[frame.length - 1] = CLOSE_BRACE;
  socket.send(frame, TEXT);
  return true;
}

/** One event's payload under one key: being executed, or its bytes, or why it failed. */
class Entry {
  bytes: Buffer | null = null;
  error: unknown = null;
  /** Deliveries whose next message this is, told when it settles. */
  waiters: { flush(): void }[] = [];

  constructor(readonly at: number) {}

  get settled(): boolean {
    return this.bytes !== null || this.error !== null;
  }

  settle(bytes: Buffer | null, error: unknown): void {
    this.bytes = bytes;
    this.error = error ?? (bytes ? null : new Error('no payload'));
    const waiters = this.waiters;
    this.waiters = [];
    for (const d of waiters) d.flush();
  }
}

export class FanOut {
  private readonly subscribers = new WeakMap<ExecutionArgs, Subscriber>();
  /**
   * Shared payloads by cursor, then by key (two lookups with strings whose hashes V8 keeps:
   * no key is built per socket); cursors oldest first.
   */
  private readonly entries = new Map<string, { at: number; byKey: Map<string, Entry> }>();
  private count = 0;
  /** Messages written, added to the metric once per turn of the event loop (not per socket). */
  private readonly sent = {
    n: 0,
    add: () => {
      if (this.sent.n++ === 0)
        setImmediate(() => {
          this.o.metrics.subscriptionMessages.inc(this.sent.n);
          this.sent.n = 0;
        });
    },
  };
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly o: FanOutOptions) {
    this.ttlMs = o.ttlMs ?? 10_000;
    this.maxEntries = o.maxEntries ?? 4096;
  }

  /** How many shared payloads are held (for tests: it stays bounded). */
  get size(): number {
    return this.count;
  }

  /** The operation behind these execution arguments will be a shared subscription. */
  register(args: ExecutionArgs, subscriber: Omit<Subscriber, 'prefix'> & { id: string }): void {
    const { id, ...rest } = subscriber;
    this.subscribers.set(args, {
      ...rest,
      prefix: Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`),
    });
  }

  /** graphql-ws's `subscribe`: the subscriber's own source stream, mapped through the shared executions. */
  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const subscriber = this.subscribers.get(args);
    if (!subscriber) throw new Error('a subscription reached the fan-out without its subscriber');
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in Object(source))) return source as ExecutionResult;
    return new Delivery(source as AsyncIterable<unknown>, subscriber, args, this, this.sent);
  }

  /** The shared payload of `event` for this subscriber, started if it is the first to ask. */
  entry(subscriber: Subscriber, args: ExecutionArgs, event: unknown): Entry {
    const cursor = cursorOf(event);
    const now = Date.now();
    if (cursor === null) return this.run(new Entry(now), subscriber, args, event);
    let slot = this.entries.get(cursor);
    if (slot && now - slot.at >= this.ttlMs) {
      this.drop(cursor, slot);
      slot = undefined;
    }
    if (!slot) {
      slot = { at: now, byKey: new Map() };
      this.entries.set(cursor, slot);
    }
    const hit = slot.byKey.get(subscriber.key);
    if (hit) return hit;
    const entry = new Entry(now);
    slot.byKey.set(subscriber.key, entry);
    this.count++;
    this.evict(now);
    return this.run(entry, subscriber, args, event);
  }

  /** The serialised payload of `event` (UTF-8), shared under (key, cursor). */
  payload(subscriber: Subscriber, args: ExecutionArgs, event: unknown): Promise<Buffer> {
    const entry = this.entry(subscriber, args, event);
    return new Promise((resolve, reject) => {
      const done = () => (entry.bytes ? resolve(entry.bytes) : reject(toError(entry.error)));
      if (entry.settled) done();
      else entry.waiters.push({ flush: done });
    });
  }

  /** Oldest cursors first: expired ones, and any past `maxEntries` payloads (never the newest cursor). */
  private evict(now: number): void {
    for (const [cursor, slot] of this.entries) {
      if ((this.count <= this.maxEntries || this.entries.size === 1) && now - slot.at < this.ttlMs) break;
      this.drop(cursor, slot);
    }
  }

  private drop(cursor: string, slot: { byKey: Map<string, Entry> }): void {
    this.entries.delete(cursor);
    this.count -= slot.byKey.size;
  }

  private run(entry: Entry, subscriber: Subscriber, args: ExecutionArgs, event: unknown): Entry {
    this.o.metrics.subscriptionExecutions.inc();
    Promise.resolve(
      execute({
        schema: args.schema,
        document: args.document,
        operationName: args.operationName,
        variableValues: args.variableValues,
        rootValue: event,
        contextValue: this.o.context(subscriber),
      }),
    )
      .then((result) => Buffer.from(JSON.stringify(this.o.finish(result))))
      .then(
        (bytes) => entry.settle(bytes, null),
        (err: unknown) => entry.settle(null, err),
      );
    return entry;
  }
}

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * One subscription's iterator as graphql-ws sees it: its stream pushes events in (a LiveHub
 * stream, piped; any other async iterable is pumped), each event's shared payload is written
 * to the socket in cursor order as soon as it is ready, and nothing is yielded to graphql-ws.
 * Its one `next()` settles when the stream ends (done, or the stream's error), or when
 * graphql-ws returns it (client `complete`, socket closed).
 */
class Delivery implements AsyncIterableIterator<ExecutionResult> {
  private done = false;
  /** Payloads to send, in the order their events came. */
  private readonly queue: Entry[] = [];
  /** The stream ended (null: still open); sent once the queue is empty. */
  private ending: { error: unknown } | null = null;
  private settleNext: ((r: IteratorResult<ExecutionResult>) => void) | null = null;
  private failNext: ((err: Error) => void) | null = null;
  private outcome: { error: unknown } | null = null;
  private readonly iterator: AsyncIterator<unknown>;

  constructor(
    source: AsyncIterable<unknown>,
    private readonly subscriber: Subscriber,
    private readonly args: ExecutionArgs,
    private readonly fanOut: FanOut,
    private readonly messages: { add(): void },
  ) {
    const sink = {
      event: (e: unknown) => this.event(e),
      end: () => this.end(null),
      fail: (err: unknown) => this.end(err ?? new Error('stream failed')),
    };
    const iterator = (this.iterator = source[Symbol.asyncIterator]());
    if (isPipeable(source)) {
      source.pipe(sink);
    } else {
      void (async () => {
        for (let r = await iterator.next(); !r.done && !this.done; r = await iterator.next()) {
          sink.event(r.value);
        }
      })().then(sink.end, sink.fail);
    }
  }

  private event(e: unknown): void {
    if (this.done || this.ending) return;
    this.queue.push(this.fanOut.entry(this.subscriber, this.args, e));
    if (this.queue.length === 1) this.flush();
  }

  private end(error: unknown): void {
    if (this.ending) return;
    this.ending = { error };
    this.flush();
  }

  /** Sends what is ready, in order; waits on the first payload still being executed. */
  flush(): void {
    while (!this.done && this.queue.length > 0) {
      const head = this.queue[0]!;
      if (!head.settled) {
        head.waiters.push(this);
        return;
      }
      this.queue.shift();
      if (!head.bytes) return this.finish({ error: head.error });
      if (!sendNext(this.subscriber.socket, this.subscriber.prefix, head.bytes)) {
        return this.finish({ error: new Error('subscriber too slow; stream closed') });
      }
      this.messages.add();
    }
    if (this.ending && !this.done) this.finish(this.ending);
  }

  private finish(outcome: { error: unknown }): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    if (outcome.error) void this.closeSource();
    this.outcome = outcome;
    this.settle();
  }

  private settle(): void {
    if (!this.outcome || !this.settleNext) return;
    const { error } = this.outcome;
    if (error) this.failNext!(toError(error));
    else this.settleNext({ done: true, value: undefined });
    this.settleNext = this.failNext = null;
  }

  private async closeSource(): Promise<void> {
    await this.iterator.return?.();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    return new Promise((resolve, reject) => {
      this.settleNext = resolve;
      this.failNext = reject;
      this.settle();
    });
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.done) {
      this.done = true;
      this.queue.length = 0;
      this.outcome = { error: null };
      await this.closeSource();
      this.settle();
    }
    return { done: true, value: undefined };
  }

  async throw(err?: unknown): Promise<IteratorResult<ExecutionResult>> {
    await this.return();
    throw toError(err);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}
