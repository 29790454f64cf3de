import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

type ChildMessage = { type: 'ready'; url: string } | { type: 'error'; message: string };

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
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stop') void stop(0);
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
      else reject(new Error(`${name} failed to start:\n${m.message}`));
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
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Environment of the product server under test (like test/support/server.ts, with real Redis). */
export function productEnv(o: {
  databaseUrl: string;
  redisUrl: string | null;
  redisPrefix: string;
}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: o.databaseUrl,
    ...(o.redisUrl ? { REDIS_URL: o.redisUrl } : {}),
    REDIS_PREFIX: o.redisPrefix,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'credit-bench-data-')),
    LOG_LEVEL: 'warn',
    // Long enough for any bench run; a token expiring mid-run would turn into errors.
    ACCESS_TOKEN_TTL_SECONDS: '7200',
    JWT_SECRET: randomBytes(32).toString('hex'),
    CARD_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    CVV_KEY: randomBytes(32).toString('hex'),
  };
}

export const PRODUCT_ENTRY = join(__dirname, 'product-server.ts');
