import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Servers under test run in their own process (one Node event loop each, CPU accounted by
 * pid), started from an entry file that calls `serveAsChild`. Protocol over IPC: the child
 * sends `{ type: 'ready', url }` or `{ type: 'error', message }`; the parent sends
 * `{ type: 'stop' }`, and the child closes gracefully and exits. A child whose parent dies
 * closes too.
 */

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'error'; message: string }
  | { type: 'profiled'; file: string }
  | { type: 'memory'; usage: NodeJS.MemoryUsage };

/**
 * The process's memory after a full garbage collection (bench/fan-out.ts: memory per idle
 * socket). `gc` is reached without --expose-gc on the command line.
 */
function memoryAfterGc(): NodeJS.MemoryUsage {
  (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--expose-gc');
  const gc = (require('node:vm') as typeof import('node:vm')).runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage();
}

/**
 * The V8 profiler of this process, started and stopped on request (bench/profile.ts), so a
 * profile covers one load window and not the start-up.
 */
function profilerControl() {
  let session: Session | null = null;
  return async (m: { type?: string; file?: string }) => {
    if (m.type === 'profile-start') {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      // 500 µs between samples: enough samples in a few seconds, little overhead.
      await session.post('Profiler.setSamplingInterval', { interval: 500 });
      await session.post('Profiler.start');
    } else if (m.type === 'profile-stop' && session && m.file) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = null;
      mkdirSync(dirname(m.file), { recursive: true });
      writeFileSync(m.file, JSON.stringify(profile));
      process.send?.({ type: 'profiled', file: m.file } satisfies ChildMessage);
    }
  };
}

export function serveAsChild(start: () => Promise<RunningServer>): void {
  let server: RunningServer | null = null;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => process.exit(code || 2), 15_000);
    timer.unref();
    try {
      await server?.close();
    } finally {
      process.exit(code);
    }
  };
  const profiler = profilerControl();
  process.on('message', (m: { type?: string; file?: string }) => {
    if (m?.type === 'stop') void stop(0);
    else if (m?.type === 'memory')
      process.send?.({ type: 'memory', usage: memoryAfterGc() } satisfies ChildMessage);
    else void profiler(m);
  });
  process.on('disconnect', () => void stop(0));
  start().then(
    (s) => {
      server = s;
      if (process.send) process.send({ type: 'ready', url: s.url } satisfies ChildMessage);
      else console.log(`listening on ${s.url}`);
    },
    (err: unknown) => {
      process.send?.({
        type: 'error',
        message: err instanceof Error ? (err.stack ?? err.message) : String(err),
      } satisfies ChildMessage);
      process.exit(1);
    },
  );
}

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  /** Runs `during` with the child's V8 profiler on, and writes the profile to `file`. */
  profile<T>(file: string, during: () => Promise<T>): Promise<T>;
  /** The child's memory after a full garbage collection. */
  memory(): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

export async function spawnServer(
  name: string,
  entry: string,
  env: Record<string, string>,
  startTimeoutMs = 120_000,
): Promise<ChildServer> {
  // BENCH_CPU_PROF=1: V8 CPU profiles of the servers under test, in bench/out/profiles.
  const prof =
    process.env.BENCH_CPU_PROF === '1'
      ? ['--cpu-prof', `--cpu-prof-dir=${join(__dirname, '..', 'out', 'profiles')}`]
      : [];
  const child = fork(entry, [], {
    execArgv: ['-r', '@swc-node/register', ...prof],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name}: not ready after ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    child.on('message', (m: ChildMessage) => {
      clearTimeout(timer);
      if (m.type === 'ready') resolve(m.url);
      else if (m.type === 'error') reject(new Error(`${name} failed to start:\n${m.message}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready`));
    });
  });
  return {
    name,
    url,
    pid: child.pid!,
    async profile(file, during) {
      child.send({ type: 'profile-start' });
      const result = await during();
      const written = new Promise<void>((resolve) => {
        const onMessage = (m: ChildMessage) => {
          if (m.type === 'profiled' && m.file === file) {
            child.off('message', onMessage);
            resolve();
          }
        };
        child.on('message', onMessage);
      });
      child.send({ type: 'profile-stop', file });
      await written;
      return result;
    },
    memory() {
      return new Promise<NodeJS.MemoryUsage>((resolve) => {
        const onMessage = (m: ChildMessage) => {
          if (m.type !== 'memory') return;
          child.off('message', onMessage);
          resolve(m.usage);
        };
        child.on('message', onMessage);
        child.send({ type: 'memory' });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * NODE_ENV of every server under test, product and baselines alike: `production`, as
 * deployed. graphql-js checks every `instanceOf` for a second copy of itself outside
 * production (4% of submitApplication's CPU); the product differs only in masking errors
 * and refusing the sandbox clock, which no bench uses.
 */
export const BENCH_NODE_ENV = process.env.BENCH_NODE_ENV ?? 'production';

/** Environment of the product server under test (like test/support/server.ts, with real Redis). */
export function productEnv(o: {
  databaseUrl: string;
  redisUrl: string | null;
  redisPrefix: string;
}): Record<string, string> {
  return {
    NODE_ENV: BENCH_NODE_ENV,
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: o.databaseUrl,
    ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : {}),
    REDIS_PREFIX: o.redisPrefix,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'credit-bench-data-')),
    LOG_LEVEL: 'warn',
    ...(process.env.BENCH_POOL ? { DATABASE_POOL_MAX: process.env.BENCH_POOL } : {}),
    // Long enough for any bench run; a token expiring mid-run would turn into errors.
    ACCESS_TOKEN_TTL_SECONDS: '7200',
    JWT_SECRET: randomBytes(32).toString('hex'),
    CARD_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    CVV_KEY: randomBytes(32).toString('hex'),
  };
}

export const PRODUCT_ENTRY = join(__dirname, 'product-server.ts');
