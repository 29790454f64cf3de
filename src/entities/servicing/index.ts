export * from './daily-job-run.entity';
export * from './sandbox-clock.entity';
import { DailyJobRun } from './daily-job-run.entity';
import { SandboxClockRow } from './sandbox-clock.entity';

/** This feature's entities, for the ORM's discovery. */
export default [SandboxClockRow, DailyJobRun];
