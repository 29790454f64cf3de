import { performance } from 'node:perf_hooks';
import { Checker, cpuPct, prepareRequests, type LoadJob, type LoadResult } from './job';
import { Connection, parseTarget } from './raw-client';
import { summarize } from './stats';

/**
 * Open-loop load at a constant arrival rate, like wrk2 or k6's constant-arrival-rate:
 * request i is due at t0 + i/rate whatever happened to earlier requests, and its latency
 * is measured from that scheduled time, so a server that stalls is charged for the
 * requests that queued behind the stall (no coordinated omission). Requests go out on a
 * fixed set of keep-alive connections opened before the clock starts; when all are busy a
 * request waits in a FIFO queue, and that wait is part of its latency.
 *
 * The timer is millisecond-grained (libuv): the generator wakes with setTimeout and, within
 * 0.3 ms of the next arrival, with setImmediate; how late each write was against its
 * schedule is reported as `sendLag` (that lateness is included in `latency`, so the figure
 * errs on the pessimistic side, by about half a millisecond at the median), and the time
 * spent waiting for a free connection as `connectionWait`.
 *
 * Requests whose scheduled time falls in the warm-up are sent and answered but not counted.
 */
export async function runOpenLoop(
  job: LoadJob,
  onWindow?: (phase: 'start' | 'end') => void,
): Promise<LoadResult> {
  const rate = job.rate;
  if (!rate || rate <= 0) throw new Error('open loop needs a positive rate');
  const requestBytes = prepareRequests(job);
  const target = parseTarget(job.url);
  const interval = 1000 / rate;
  const warmN = Math.round(rate * job.warmupSec);
  const total = warmN + Math.round(rate * job.durationSec);
  const timeoutMs = job.timeoutMs ?? 10_000;
  const nConn = job.connections ?? 64;

  const conns = Array.from({ length: nConn }, () => new Connection(target));
  await Promise.all(conns.map((c) => c.open()));
  const idle: Connection[] = [...conns];

  const latency = new Float64Array(total);
  const issued = new Float64Array(total);
  const written = new Float64Array(total);
  const queue = new Int32Array(total);
  let qHead = 0;
  let qTail = 0;
  let maxQueued = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let next = 0;
  let done = 0;
  let measuredDone = 0;
  let lastDone = 0;
  const checker = new Checker(job);
  let warmupErrors = 0;

  const t0 = performance.now() + 20;
  const windowStart = t0 + warmN * interval;
  const due = (i: number) => t0 + i * interval;
  let cpuStart: NodeJS.CpuUsage | null = null;

  return new Promise<LoadResult>((resolve) => {
    const complete = (
      i: number,
      conn: Connection | null,
      err: Error | null,
      status: number,
      body: Buffer | null,
    ) => {
      const now = performance.now();
      done++;
      const kind = checker.classify(err, status, body);
      if (i >= warmN) {
        latency[i] = now - due(i);
        measuredDone++;
        lastDone = now;
        if (kind) checker.record(kind, body);
      } else if (kind) warmupErrors++;
      if (conn) {
        inFlight--;
        if (qHead < qTail) dispatch(conn, queue[qHead++]!);
        else idle.push(conn);
      }
      if (done === total) finish();
    };

    const dispatch = (conn: Connection, i: number) => {
      const w = performance.now();
      written[i] = w;
      if (++inFlight > maxInFlight) maxInFlight = inFlight;
      conn.request(
        requestBytes(i),
        (err, status, body) => complete(i, conn, err, status, body),
        w + timeoutMs,
      );
    };

    const issue = (i: number) => {
      issued[i] = performance.now();
      const conn = idle.pop();
      if (conn) return dispatch(conn, i);
      queue[qTail++] = i;
      if (qTail - qHead > maxQueued) maxQueued = qTail - qHead;
    };

    const tick = () => {
      const now = performance.now();
      while (next < total && due(next) <= now) issue(next++);
      if (next >= total) return;
      const wait = due(next) - performance.now();
      if (wait < 0.3) setImmediate(tick);
      else setTimeout(tick, Math.floor(wait));
    };

    // Timeouts: requests in flight past their deadline, and queued ones past theirs.
    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const c of conns) if (c.busy && c.deadline < now) c.abort(new Error('timeout'));
      while (qHead < qTail && due(queue[qHead]!) + timeoutMs < now) {
        complete(queue[qHead++]!, null, new Error('timeout'), 0, null);
      }
    }, 100);

    const windowTimer = setTimeout(
      () => {
        cpuStart = process.cpuUsage();
        onWindow?.('start');
      },
      Math.max(0, windowStart - performance.now()),
    );

    const finish = () => {
      clearInterval(sweeper);
      clearTimeout(windowTimer);
      const windowMs = Math.max(1, lastDone - windowStart);
      const clientCpuPct = cpuStart ? cpuPct(cpuStart, windowMs) : NaN;
      onWindow?.('end');
      for (const c of conns) c.close();
      const measured = total - warmN;
      const service = new Float64Array(measured);
      const lag = new Float64Array(measured);
      const waited = new Float64Array(measured);
      for (let i = warmN; i < total; i++) {
        const w = written[i]!;
        service[i - warmN] = w ? latency[i]! - (w - due(i)) : NaN;
        lag[i - warmN] = issued[i]! - due(i);
        waited[i - warmN] = w ? w - issued[i]! : NaN;
      }
      const clean = (a: Float64Array) => a.filter((v) => !Number.isNaN(v));
      if (warmupErrors) checker.kinds['(warm-up errors, not counted)'] = warmupErrors;
      resolve({
        mode: 'open',
        windowSec: windowMs / 1000,
        warmupSec: job.warmupSec,
        targetRate: rate,
        connections: nConn,
        sent: measured,
        completed: measuredDone,
        ok: measuredDone - checker.errors,
        errors: checker.errors,
        errorKinds: checker.kinds,
        errorSample: checker.sample,
        achievedRate: (measuredDone - checker.errors) / (windowMs / 1000),
        latency: summarize(latency.subarray(warmN)),
        serviceTime: summarize(clean(service)),
        sendLag: summarize(lag),
        connectionWait: summarize(clean(waited)),
        maxQueued,
        maxInFlight,
        reconnects: conns.reduce((s, c) => s + c.reconnects, 0),
        clientCpuPct,
      });
    };

    setTimeout(tick, Math.max(0, Math.floor(t0 - performance.now())));
  });
}
