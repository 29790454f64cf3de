import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { waitFor } from './live';
import { gqlClient, type TestServer } from './server';

/**
 * The arguments that run `path` (a file of src/) in a new process: the copy compiled once for
 * the run by global setup when there is one, else the TypeScript through @swc-node/register.
 */
export function srcEntry(path: string): string[] {
  const built = process.env.TEST_BUILT_SRC;
  return built
    ? [join(built, path.replace(/^src\//, '').replace(/\.ts$/, '.js'))]
    : ['-r', '@swc-node/register', path];
}

/**
 * The real entry point (`src/index.ts`) as a child process, the way it runs in
 * production: its own signal handlers, process-level error handlers and exit code. Runs
 * with NODE_ENV=development by default, so Apollo would install its own signal handlers
 * unless told not to (NODE_ENV=test hides that).
 */
export interface ServerProcess {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far. */
  logs(): Record<string, unknown>[];
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  alive(): boolean;
  /** Sends one GraphQL operation over HTTP (the shape fixtures expect from a TestServer). */
  gql: TestServer['gql'];
  ws(token?: string | null): Client;
  /** Disposes clients, kills the process if still running. */
  kill(): Promise<void>;
}

/**
 * `env` adds to the test's own environment (an undefined value removes a variable);
 * `detached` makes the process lead its own process group, as a shell's job does, so a test
 * can send a signal to the whole group the way a terminal's Ctrl-C does.
 */
export async function startServerProcess(
  env: Record<string, string | undefined>,
  opts: { preload?: string[]; detached?: boolean } = {},
): Promise<ServerProcess> {
  const preload = (opts.preload ?? []).flatMap((p) => ['-r', '@swc-node/register', '-r', p]);
  const child = spawn(process.execPath, [...preload, ...srcEntry('src/index.ts')], {
    cwd: join(__dirname, '..', '..'),
    env: {
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'credit-process-')),
      RELAY_POLL_MS: '200',
      DAILY_JOB_AUTORUN: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) =>
    child.once('exit', (code, signal) => {
      running = false;
      r({ code, signal, at: Date.now() });
    }),
  );
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'server ready' line within 30 s: ${out}`)), 30_000);
    const check = () => {
      const ready = logs().find((l) => l.msg === 'server ready');
      if (ready) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(String(ready.url).replace('localhost', '127.0.0.1'));
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited before ready (${code}): ${out}`));
    });
  });
  const clients: Client[] = [];

  const gql = gqlClient(url);

  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    child,
    output: () => out,
    logs,
    exited,
    alive: () => running,
    gql,
    ws(token) {
      const client = createClient({
        url: url.replace(/^http/, 'ws'),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      });
      clients.push(client);
      return client;
    },
    async kill() {
      await Promise.all(clients.map((c) => c.dispose()));
      if (running) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** The pid of the embedded postmaster running on `dataDir` (line 1 of postmaster.pid), or null. */
export function postmasterPid(dataDir: string): number | null {
  try {
    return Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** After a failed test: no embedded postmaster left on `dataDir` (it has its own process group). */
export function stopPostmaster(dataDir: string): void {
  const pid = postmasterPid(dataDir);
  if (pid && alive(pid)) process.kill(pid, 'SIGINT');
}

/**
 * Another process holding the embedded PostgreSQL of `dataDir`, started the way a server or
 * a command (`npm run seed`) starts it, until `release()` (it stops what it started and
 * exits) or `kill()` (SIGKILL, as a crash would leave it).
 */
export async function holdEmbedded(dataDir: string, use: 'server' | 'command') {
  const entry = srcEntry('src/db/embedded-postgres.ts');
  const loader = entry.slice(0, -1); // -r @swc-node/register, when not compiled
  const code = `require(${JSON.stringify(resolve(__dirname, '..', '..', entry.at(-1)!))})
    .startEmbeddedPostgres(process.argv[1], require('pino')({ level: 'silent' }), 'credit', process.argv[2])
    .then((pg) => { console.log('ready'); process.stdin.on('end', () => pg.stop()).resume(); });`;
  const child = spawn(process.execPath, [...loader, '-e', code, dataDir, use], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
    void exited.then(() => reject(new Error('the holder exited before its PostgreSQL was ready')));
  });
  return {
    pid: child.pid!,
    async release() {
      child.stdin!.end();
      await exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resolves once the server (a process or in-process) refuses connections: its shutdown is under way. */
export async function stoppedAccepting(p: { url: string }): Promise<void> {
  const healthz = p.url.replace('/graphql', '/healthz');
  await waitFor(
    () =>
      fetch(healthz).then(
        () => false,
        () => true,
      ),
    10_000,
    'the server to stop accepting connections',
  );
}
