/**
 * Child-process entry of the load generator (spawned by `measure()` with `fork`), so the
 * generator has its own event loop and its CPU is accounted apart from the server's.
 * Protocol: receives `{ type: 'run', job }`, answers `window` marks and one `result`.
 */
import type { LoadJob, WorkerMessage } from './job';
import { runOpenLoop } from './open-loop';
import { runSaturate } from './saturate';

const send = (m: WorkerMessage) => process.send?.(m);

process.once('message', (msg: { type: 'run'; job: LoadJob }) => {
  const run = msg.job.mode === 'open' ? runOpenLoop : runSaturate;
  run(msg.job, (phase) => send({ type: 'window', phase }))
    .then((result) => send({ type: 'result', result }))
    .catch((err: unknown) =>
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    )
    .finally(() => process.disconnect());
});
