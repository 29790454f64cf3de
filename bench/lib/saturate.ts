import { performance } from 'node:perf_hooks';
import { Checker, cpuPct, prepareRequests, type LoadJob, type LoadResult } from './job';
import { Connection, parseTarget } from './raw-client';
import { Samples } from './stats';

/**
 * Closed-loop maximum throughput: `concurrency` keep-alive connections, each sending its
 * next request as soon as the previous response arrives, for warm-up + duration seconds.
 * Only responses that arrive inside the measured window count (throughput and latency,
 * the latter from the write of the request).
 */
export async function runSaturate(
  job: LoadJob,
  onWindow?: (phase: 'start' | 'end') => void,
): Promise<LoadResult> {
  const requestBytes = prepareRequests(job);
  const target = parseTarget(job.url);
  const concurrency = job.concurrency ?? 64;
  const timeoutMs = job.timeoutMs ?? 10_000;
  const conns = Array.from({ length: concurrency }, () => new Connection(target));
  await Promise.all(conns.map((c) => c.open()));

  const checker = new Checker(job);
  const lat = new Samples(65_536);
  let seq = 0;
  let sent = 0;
  let completed = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let warmupErrors = 0;
  let cpuStart: NodeJS.CpuUsage | null = null;

  const t0 = performance.now();
  const windowStart = t0 + job.warmupSec * 1000;
  const windowEnd = windowStart + job.durationSec * 1000;

  return new Promise<LoadResult>((resolve) => {
    const send = (conn: Connection) => {
      const w = performance.now();
      if (w >= windowEnd) {
        if (inFlight === 0) finish();
        return;
      }
      if (w >= windowStart) sent++;
      const i = seq++;
      if (++inFlight > maxInFlight) maxInFlight = inFlight;
      conn.request(
        requestBytes(i),
        (err, status, body) => {
          const now = performance.now();
          inFlight--;
          const kind = checker.classify(err, status, body);
          if (now >= windowStart && now < windowEnd) {
            completed++;
            lat.push(now - w);
            if (kind) checker.record(kind, body);
          } else if (kind && now < windowStart) warmupErrors++;
          send(conn);
        },
        w + timeoutMs,
      );
    };

    const sweeper = setInterval(() => {
      const now = performance.now();
      for (const c of conns) if (c.busy && c.deadline < now) c.abort(new Error('timeout'));
    }, 100);
    const startTimer = setTimeout(() => {
      cpuStart = process.cpuUsage();
      onWindow?.('start');
    }, job.warmupSec * 1000);
    let clientCpuPct = NaN;
    let ended = false;
    const endWindow = () => {
      if (ended) return;
      ended = true;
      clientCpuPct = cpuStart ? cpuPct(cpuStart, performance.now() - windowStart) : NaN;
      onWindow?.('end');
    };
    const endTimer = setTimeout(endWindow, Math.max(0, windowEnd - performance.now()));

    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(sweeper);
      clearTimeout(startTimer);
      clearTimeout(endTimer);
      endWindow();
      for (const c of conns) c.close();
      if (warmupErrors) checker.kinds['(warm-up errors, not counted)'] = warmupErrors;
      resolve({
        mode: 'saturate',
        windowSec: job.durationSec,
        warmupSec: job.warmupSec,
        concurrency,
        connections: concurrency,
        sent,
        completed,
        ok: completed - checker.errors,
        errors: checker.errors,
        errorKinds: checker.kinds,
        errorSample: checker.sample,
        achievedRate: (completed - checker.errors) / job.durationSec,
        latency: lat.summary(),
        maxInFlight,
        reconnects: conns.reduce((s, c) => s + c.reconnects, 0),
        clientCpuPct,
      });
    };

    for (const c of conns) send(c);
  });
}
