import { randomUUID } from 'node:crypto';
import { buildRequest, parseTarget, type Target } from './raw-client';
import type { LatencySummary } from './stats';

/**
 * One request of the ring a run cycles through: request i uses `requests[i % length]`.
 * Placeholders in the body are filled per request, for values that must never repeat
 * (idempotency keys): `{{seq}}` becomes the request index, zero-padded to 12 digits (it
 * restarts at 0 in every run, so prefix it with something of the phase), `{{uuid}}` a
 * random UUID.
 */
export interface RequestSpec {
  /** The JSON body, already serialised. */
  body: string;
  headers?: Record<string, string>;
}

/** What a load run needs; plain data, so it can be sent to a worker process. */
export interface LoadJob {
  mode: 'open' | 'saturate';
  url: string;
  requests: RequestSpec[];
  /** open: arrivals per second, evenly spaced. */
  rate?: number;
  /** saturate: requests in flight (one per connection). */
  concurrency?: number;
  /** open: keep-alive connections opened up front (requests queue when all are busy). */
  connections?: number;
  warmupSec: number;
  durationSec: number;
  timeoutMs?: number;
  /** A response containing any of these (as bytes) counts as an error, e.g. `"userErrors":[{`. */
  failIfContains?: string[];
  /** A response lacking any of these counts as an error, e.g. `"status":"APPROVED"`. */
  expectContains?: string[];
}

export interface LoadResult {
  mode: 'open' | 'saturate';
  /** Length of the measured window in seconds (warm-up excluded). */
  windowSec: number;
  warmupSec: number;
  targetRate?: number;
  concurrency?: number;
  connections: number;
  /** Requests of the measured window. */
  sent: number;
  completed: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  errorSample?: string;
  /** Successful responses per second in the measured window (errors and timeouts excluded). */
  achievedRate: number;
  /** open: from the scheduled send time (coordinated omission included); saturate: from the write. */
  latency: LatencySummary;
  /** open only: from the actual write of the request to the response. */
  serviceTime?: LatencySummary;
  /** open only: how late the generator issued each request after its scheduled time (its own timer and CPU). */
  sendLag?: LatencySummary;
  /** open only: time issued requests waited for a free connection (all connections busy). */
  connectionWait?: LatencySummary;
  maxQueued?: number;
  maxInFlight: number;
  reconnects: number;
  /** CPU the load generator itself used during the window, in % of one core. */
  clientCpuPct: number;
}

/** Worker protocol. */
export type WorkerMessage =
  | { type: 'window'; phase: 'start' | 'end' }
  | { type: 'result'; result: LoadResult }
  | { type: 'error'; message: string };

const PLACEHOLDER = /\{\{(seq|uuid)\}\}/g;
const WIDTH = { seq: 12, uuid: 36 } as const;

interface Prepared {
  buf: Buffer;
  slots: { offset: number; kind: 'seq' | 'uuid' }[];
}

function prepare(target: Target, r: RequestSpec): Prepared {
  const parts: Buffer[] = [];
  const bodySlots: Prepared['slots'] = [];
  let bytes = 0;
  let last = 0;
  for (const m of r.body.matchAll(PLACEHOLDER)) {
    const before = Buffer.from(r.body.slice(last, m.index), 'utf8');
    const kind = m[1] as 'seq' | 'uuid';
    parts.push(before, Buffer.alloc(WIDTH[kind], '0'));
    bodySlots.push({ offset: bytes + before.length, kind });
    bytes += before.length + WIDTH[kind];
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(r.body.slice(last), 'utf8'));
  const body = Buffer.concat(parts);
  const buf = buildRequest(target, body, r.headers);
  const headLength = buf.length - body.length;
  return { buf, slots: bodySlots.map((s) => ({ ...s, offset: s.offset + headLength })) };
}

/** The bytes of request i (a fresh copy only when the body has placeholders). */
export function prepareRequests(job: LoadJob): (i: number) => Buffer {
  const target = parseTarget(job.url);
  if (!job.requests.length) throw new Error('no requests');
  const ring = job.requests.map((r) => prepare(target, r));
  const n = ring.length;
  return (i: number) => {
    const p = ring[i % n]!;
    if (!p.slots.length) return p.buf;
    const copy = Buffer.from(p.buf);
    for (const s of p.slots) {
      copy.write(s.kind === 'seq' ? String(i).padStart(12, '0') : randomUUID(), s.offset, 'latin1');
    }
    return copy;
  };
}

/** Classifies responses; error counting by kind, with the first error body kept as a sample. */
export class Checker {
  private readonly fail: Buffer[];
  private readonly expect: Buffer[];
  private static readonly GQL_ERRORS = [Buffer.from('{"errors":'), Buffer.from(',"errors":')];
  errors = 0;
  kinds: Record<string, number> = {};
  sample: string | undefined;

  constructor(job: LoadJob) {
    this.fail = (job.failIfContains ?? []).map((s) => Buffer.from(s));
    this.expect = (job.expectContains ?? []).map((s) => Buffer.from(s));
  }

  /** Returns the error kind, or null when the response is a success. */
  classify(err: Error | null, status: number, body: Buffer | null): string | null {
    if (err) return err.message === 'timeout' ? 'timeout' : `socket: ${err.message}`;
    if (status !== 200) return `http ${status}`;
    if (!body) return 'empty body';
    // Apollo writes `errors` first; a field named `userErrors` does not match either pattern.
    if (body.indexOf(Checker.GQL_ERRORS[0]!) === 0 || body.indexOf(Checker.GQL_ERRORS[1]!) >= 0)
      return 'graphql errors';
    for (const f of this.fail) if (body.indexOf(f) >= 0) return `contains ${f.toString()}`;
    for (const e of this.expect) if (body.indexOf(e) < 0) return `lacks ${e.toString()}`;
    return null;
  }

  record(kind: string, body: Buffer | null): void {
    this.errors++;
    this.kinds[kind] = (this.kinds[kind] ?? 0) + 1;
    if (this.sample === undefined) this.sample = `${kind}: ${body ? body.toString('utf8', 0, 600) : ''}`;
  }
}

export function cpuPct(start: NodeJS.CpuUsage, ms: number): number {
  const d = process.cpuUsage(start);
  return ms > 0 ? ((d.user + d.system) / 1000 / ms) * 100 : NaN;
}
