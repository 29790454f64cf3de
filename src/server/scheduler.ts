import type { Logger } from '../lib/logger';

interface Job {
  name: string;
  timer: NodeJS.Timeout;
  /** The run under way, if any: one at a time, and shutdown waits for it. */
  running: Promise<void> | null;
  /** Runs finished so far (with or without an error). */
  finished: number;
}

/**
 * The server's background work, in one place: tasks run every so often, one run of each at a
 * time, and `stop` waits for the runs under way. Loops with their own timers (the outbox
 * relay, its retention) are started and stopped with it.
 */
export class Scheduler {
  private readonly jobs: Job[] = [];
  private readonly loops: { start(): void; stop(): Promise<void> }[] = [];
  private readonly onStart: (() => void)[] = [];
  private readonly onStop: (() => void)[] = [];
  private started = false;

  constructor(private readonly log: Logger) {}

  /** Runs `task` every `ms` once started; a failure is logged and the next tick tries again. */
  every(name: string, ms: number, task: () => Promise<unknown>): this {
    const job: Job = { name, timer: undefined as unknown as NodeJS.Timeout, running: null, finished: 0 };
    const tick = () => {
      job.running ??= task()
        .then(
          () => undefined,
          (err: unknown) => this.log.warn({ err, job: name }, 'scheduled job failed'),
        )
        .finally(() => {
          job.running = null;
          job.finished += 1;
        });
    };
    this.jobs.push(job);
    this.onStart.push(() => {
      job.timer = setInterval(tick, ms);
      job.timer.unref();
    });
    return this;
  }

  /** A loop with its own timer, started and stopped with the scheduler. */
  loop(loop: { start(): void; stop(): Promise<void> }): this {
    this.loops.push(loop);
    return this;
  }

  /** Called first thing in `stop`, before waiting (e.g. to ask a long run to hand back). */
  beforeStop(fn: () => void): this {
    this.onStop.push(fn);
    return this;
  }

  /** How many runs of the job named `name` have finished (0 for a job not scheduled here). */
  runsFinished(name: string): number {
    return this.jobs.find((j) => j.name === name)?.finished ?? 0;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const l of this.loops) l.start();
    for (const s of this.onStart) s();
  }

  /** No new runs; resolves when the runs under way have finished (the daily job after its current account). */
  async halt(): Promise<void> {
    for (const job of this.jobs) clearInterval(job.timer);
    for (const fn of this.onStop) fn();
    await Promise.all(this.jobs.map((j) => j.running));
  }

  /** `halt`, then the loops stop (the relay last publishes what was committed). */
  async stop(): Promise<void> {
    await this.halt();
    await Promise.all(this.loops.map((l) => l.stop()));
  }
}
