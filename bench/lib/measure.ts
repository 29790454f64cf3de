import { fork } from 'node:child_process';
import { join } from 'node:path';
import { report, snapshot, waitQuiet, type CpuGroups, type CpuReport, type CpuSnapshot } from './cpu';
import type { LoadJob, LoadResult, RequestSpec, WorkerMessage } from './job';
import { runOpenLoop } from './open-loop';
import { runSaturate } from './saturate';

export interface GraphQLBody {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

export interface MeasureOptions {
  /** Label in the results, e.g. "product submitApplication, open 500/s". */
  name: string;
  url: string;
  mode: 'open' | 'saturate';
  /** open: arrivals per second (evenly spaced). Default 500. */
  rate?: number;
  /** saturate: requests in flight. Default 64. */
  concurrency?: number;
  /** open: keep-alive connections. Default 64. */
  connections?: number;
  durationSec?: number;
  warmupSec?: number;
  timeoutMs?: number;
  /** Bearer token for every request... */
  token?: string;
  /** ...or one per request: request i uses tokens[i % tokens.length] (e.g. one per card). */
  tokens?: string[];
  /** The same body for every request... */
  body?: GraphQLBody | string;
  /**
   * ...or a body per request index (paired with tokens[i % tokens.length]). Strings may hold
   * `{{uuid}}` or `{{seq}}`, filled per request (see RequestSpec), for never-repeating keys.
   */
  bodyFactory?: (i: number) => GraphQLBody | string;
  /** ...or full control of request i. */
  requestFactory?: (i: number) => RequestSpec;
  /**
   * Factories are evaluated in this process for i = 0 .. variants-1, and the worker cycles
   * through that ring. Default: 2,000 rounded up to a multiple of tokens.length (1 for a
   * fixed body and token).
   */
  variants?: number;
  headers?: Record<string, string>;
  failIfContains?: string[];
  expectContains?: string[];
  /** pid of the server under test, for CPU attribution (the load worker is always counted). */
  serverPid?: number;
  /** Run the generator in this process instead of a child (only for debugging). */
  inProcess?: boolean;
  /**
   * Before starting, wait (up to 30 s) until the server process and PostgreSQL are idle
   * (< 10% of a core), so work left over from a previous phase is not charged to this one.
   * Default true.
   */
  settle?: boolean;
}

export interface Measurement extends LoadResult {
  name: string;
  url: string;
  /** During the measured window: % of one core per process group; machine % of all cores. */
  cpu: CpuReport;
  /** How long the pre-run settle waited for the server and PostgreSQL to go idle, and if they did. */
  settle?: { waitedMs: number; quiet: boolean; last: Record<string, number> };
  /** measureMedian: headline figures of every run (this one is the median). */
  runs?: { rate: number; p50: number; p99: number; otherPct: number }[];
}

function serialise(b: GraphQLBody | string): string {
  return typeof b === 'string' ? b : JSON.stringify(b);
}

function buildRing(o: MeasureOptions): RequestSpec[] {
  const tokens = o.tokens ?? (o.token ? [o.token] : []);
  const fixed = !o.bodyFactory && !o.requestFactory;
  let n = o.variants ?? (fixed && tokens.length <= 1 ? 1 : Math.max(tokens.length, 2000));
  if (tokens.length > 1) n = Math.ceil(n / tokens.length) * tokens.length;
  const ring: RequestSpec[] = [];
  const fixedBody = o.body !== undefined ? serialise(o.body) : undefined;
  for (let i = 0; i < n; i++) {
    if (o.requestFactory) {
      ring.push(o.requestFactory(i));
      continue;
    }
    const body = o.bodyFactory ? serialise(o.bodyFactory(i)) : fixedBody;
    if (body === undefined) throw new Error(`${o.name}: give body, bodyFactory or requestFactory`);
    const headers: Record<string, string> = { ...o.headers };
    const token = tokens.length ? tokens[i % tokens.length] : undefined;
    if (token) headers.authorization = `Bearer ${token}`;
    ring.push({ body, headers });
  }
  return ring;
}

const CPU_COMMS = { postgres: ['postgres'], redis: ['redis-server'] };

/**
 * Runs one load phase against `url` and returns throughput, latency percentiles, errors and
 * where the CPU went. The generator runs in a child process (bench/lib/load-worker.ts).
 */
export async function measure(o: MeasureOptions): Promise<Measurement> {
  const job: LoadJob = {
    mode: o.mode,
    url: o.url,
    requests: buildRing(o),
    rate: o.mode === 'open' ? (o.rate ?? 500) : undefined,
    concurrency: o.mode === 'saturate' ? (o.concurrency ?? 64) : undefined,
    connections: o.connections,
    warmupSec: o.warmupSec ?? 3,
    durationSec: o.durationSec ?? (o.mode === 'open' ? 15 : 10),
    timeoutMs: o.timeoutMs,
    failIfContains: o.failIfContains,
    expectContains: o.expectContains,
  };

  let start: CpuSnapshot | null = null;
  let end: CpuSnapshot | null = null;
  let groups: CpuGroups = { comms: CPU_COMMS };
  const onWindow = (phase: 'start' | 'end') => {
    if (phase === 'start') start = snapshot(groups);
    else end = snapshot(groups);
  };
  const serverPids: Record<string, number[]> = o.serverPid ? { server: [o.serverPid] } : {};

  let settled: Measurement['settle'];
  if (o.settle !== false) {
    settled = await waitQuiet({ pids: serverPids, comms: { postgres: CPU_COMMS.postgres } });
  }

  let result: LoadResult;
  if (o.inProcess) {
    groups = { pids: { ...serverPids, client: [process.pid] }, comms: CPU_COMMS };
    result = await (o.mode === 'open' ? runOpenLoop : runSaturate)(job, onWindow);
  } else {
    const child = fork(join(__dirname, 'load-worker.ts'), [], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    groups = { pids: { ...serverPids, client: [child.pid!] }, comms: CPU_COMMS };
    result = await new Promise<LoadResult>((resolve, reject) => {
      let settled = false;
      child.on('message', (m: WorkerMessage) => {
        if (m.type === 'window') onWindow(m.phase);
        else if (m.type === 'result') {
          settled = true;
          resolve(m.result);
        } else if (m.type === 'error') {
          settled = true;
          reject(new Error(`load worker: ${m.message}`));
        }
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        if (!settled) reject(new Error(`load worker exited with ${code} before a result`));
      });
      child.send({ type: 'run', job });
    });
  }
  const cpu: CpuReport =
    start && end
      ? report(start, end)
      : { machinePct: NaN, stealPct: NaN, cores: 0, groups: {}, otherPct: NaN };
  return { name: o.name, url: o.url, ...result, cpu, settle: settled };
}

/**
 * Runs the same measurement `repeats` times and returns the median run (by throughput when
 * saturating, by p99 in an open loop), with every run's headline figures in `runs`. On a
 * shared machine a single run can be spoiled by a neighbour; STACK.md's figures are medians of 3.
 */
export async function measureMedian(o: MeasureOptions, repeats: number): Promise<Measurement> {
  if (repeats <= 1) return measure(o);
  const all: Measurement[] = [];
  for (let r = 0; r < repeats; r++) all.push(await measure(o));
  return medianRun(all, o.mode === 'saturate' ? 'rate' : 'p99');
}

/**
 * Of several runs of one measurement, the median one (by throughput, or by p99 latency for
 * open-loop runs), carrying every run's headline figures in `runs`.
 */
export function medianRun(all: Measurement[], by: 'rate' | 'p99' = 'rate'): Measurement {
  const key = (m: Measurement) => (by === 'rate' ? m.achievedRate : -m.latency.p99);
  const sorted = [...all].sort((a, b) => key(a) - key(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return {
    ...median,
    runs: all.map((m) => ({
      rate: m.achievedRate,
      p50: m.latency.p50,
      p99: m.latency.p99,
      otherPct: m.cpu.otherPct,
    })),
  };
}
