import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignInDocument, SignUpDocument } from '../generated/contract';
import { waitFor } from '../support/live';
import {
  alive,
  holdEmbedded,
  postmasterPid,
  srcEntry,
  startServerProcess,
  stopPostmaster,
  type ServerProcess,
} from '../support/process';
import { ok } from '../support/server';

/**
 * Issue 14, items 1 and 7b: `npm run seed`, `create-admin` and `migrate` next to a server
 * running on the embedded PostgreSQL (no DATABASE_URL, no REDIS_URL), as real processes.
 * The commands run src/cli compiled once for the run (test/support/process.ts `srcEntry`),
 * the code that `npm run …` runs built with tsc.
 */
const root = join(__dirname, '..', '..');
const embeddedEnv = (dataDir: string) => ({
  DATA_DIR: dataDir,
  DATABASE_URL: undefined,
  REDIS_URL: undefined,
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command of src/cli to its end; `during` is called every 20 ms while it runs. */
function runCli(name: string, args: string[], dataDir: string, during?: () => void): Promise<Run> {
  const child = spawn(process.execPath, [...srcEntry(`src/cli/${name}.ts`), ...args], {
    cwd: root,
    env: { ...process.env, ...embeddedEnv(dataDir), NODE_ENV: 'development', DAILY_JOB_AUTORUN: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = during ? setInterval(during, 20) : undefined;
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** Stops a server the way a user does (SIGTERM: it stops its PostgreSQL last). */
async function stop(p: ServerProcess): Promise<void> {
  if (p.alive()) p.child.kill('SIGTERM');
  await p.exited;
}

/** GET /readyz every 50 ms until stopped; the statuses seen (0: no answer). */
function pollReady(p: ServerProcess) {
  const statuses: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const status = await fetch(p.url.replace('/graphql', '/readyz')).then(
        (r) => r.status,
        () => 0,
      );
      statuses.push(status);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    statuses,
    async stop(): Promise<number[]> {
      running = false;
      await loop;
      return statuses;
    },
  };
}

const signIn = (p: ServerProcess, email: string, password: string) =>
  p.gql(SignInDocument, { input: { email, password } }).then(ok);

describe('CLI commands next to a server on the embedded PostgreSQL', () => {
  it("seed, create-admin and migrate use the server's database and leave it running", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'credit-cli-'));
    const p = await startServerProcess(embeddedEnv(dataDir));
    const postmaster = postmasterPid(dataDir)!;
    const poll = pollReady(p);
    try {
      const runs = [
        await runCli('seed', [], dataDir),
        await runCli(
          'create-admin',
          ['--email', 'boss@example.com', '--password', 'boss password 1'],
          dataDir,
        ),
        await runCli('migrate', [], dataDir),
      ];
      // The server's database was never stopped: ready on every poll, same postmaster.
      expect(poll.statuses.filter((s) => s !== 200)).toEqual([]);
      expect(postmasterPid(dataDir)).toBe(postmaster);
      expect(alive(postmaster)).toBe(true);
      for (const r of runs) expect(r).toMatchObject({ code: 0 });
      expect(runs[0]!.stdout).toContain('demo users');
      expect(runs[1]!.stdout).toContain('admin boss@example.com: created');

      // A second server on the same folder refuses to start; the first keeps serving.
      await expect(startServerProcess(embeddedEnv(dataDir))).rejects.toThrow(/in use by a running server/);
      const statuses = await poll.stop();
      expect(statuses.length).toBeGreaterThan(10);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);

      // What the commands wrote is what the server serves.
      const borrower = await signIn(p, 'borrower@example.com', 'demo-password-1');
      expect(borrower.signIn.userErrors).toEqual([]);
      const boss = await signIn(p, 'boss@example.com', 'boss password 1');
      expect(boss.signIn.user!.roles).toContain('ADMIN');
      expect(p.logs().filter((l) => Number(l.level) >= 40)).toEqual([]);
    } finally {
      await poll.stop();
      await stop(p);
      stopPostmaster(dataDir);
    }
  }, 120_000);

  it('with no server up, a command starts its own PostgreSQL and stops it when done', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'credit-cli-'));
    const seen = new Set<number>();
    try {
      const run = await runCli('seed', [], dataDir, () => {
        const pid = postmasterPid(dataDir);
        if (pid) seen.add(pid);
      });
      expect(run).toMatchObject({ code: 0 });
      expect(seen.size).toBeGreaterThan(0); // initdb's own short-lived postgres runs too
      for (const pid of seen) expect(alive(pid)).toBe(false);
      expect(postmasterPid(dataDir)).toBeNull();

      // The server started afterwards finds the demo users in the same folder.
      const p = await startServerProcess(embeddedEnv(dataDir));
      try {
        expect((await signIn(p, 'investor@example.com', 'demo-password-1')).signIn.userErrors).toEqual([]);
      } finally {
        await stop(p);
      }
    } finally {
      stopPostmaster(dataDir);
    }
  }, 120_000);

  it('create-admin refuses an existing email unless --reset-password, and says what it did', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'credit-cli-'));
    const p = await startServerProcess(embeddedEnv(dataDir));
    const admin = (email: string, password: string, ...flags: string[]) =>
      runCli('create-admin', ['--email', email, '--password', password, ...flags], dataDir);
    try {
      // A borrower who signed up on the server (the seed's demo borrower, without a seed run).
      const signedUp = ok(
        await p.gql(SignUpDocument, {
          input: { email: 'borrower@example.com', password: 'demo-password-1', name: 'Demo Borrower' },
        }),
      ).signUp;
      expect(signedUp.userErrors).toEqual([]);

      // A new email, and the existing one without --reset-password: two commands at once.
      const [created, refused] = await Promise.all([
        admin('new-admin@example.com', 'fresh admin password'),
        admin('borrower@example.com', 'new admin password'),
      ]);
      expect(created).toMatchObject({ code: 0 });
      expect(created.stdout).toContain('admin new-admin@example.com: created');
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('borrower@example.com already has an account');
      expect(refused.stderr).toContain('--reset-password to reset its password and make it ADMIN');
      const old = await signIn(p, 'borrower@example.com', 'demo-password-1');
      expect(old.signIn.userErrors).toEqual([]);
      expect(old.signIn.user!.roles).toEqual(['BORROWER']);

      const promoted = await admin('borrower@example.com', 'new admin password', '--reset-password');
      expect(promoted).toMatchObject({ code: 0 });
      expect(promoted.stdout).toContain('admin borrower@example.com: password reset, ADMIN added');
      const now = await signIn(p, 'borrower@example.com', 'new admin password');
      expect(now.signIn.user!.roles).toEqual(expect.arrayContaining(['BORROWER', 'ADMIN']));
      expect((await signIn(p, 'borrower@example.com', 'demo-password-1')).signIn.userErrors).not.toEqual([]);

      const again = await admin('borrower@example.com', 'third admin password', '--reset-password');
      expect(again).toMatchObject({ code: 0 });
      expect(again.stdout).toContain('admin borrower@example.com: already ADMIN, password reset');
      expect((await signIn(p, 'borrower@example.com', 'third admin password')).signIn.userErrors).toEqual([]);
      expect((await signIn(p, 'new-admin@example.com', 'fresh admin password')).signIn.user!.roles).toEqual([
        'ADMIN',
      ]);
    } finally {
      await stop(p);
      stopPostmaster(dataDir);
    }
  }, 120_000);

  it('a server starting while a command holds the database waits for it, then starts its own', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'credit-cli-'));
    const command = await holdEmbedded(dataDir, 'command');
    const held = postmasterPid(dataDir)!;
    // The entry point itself, to watch its output before it is ready.
    const server = spawn(process.execPath, srcEntry('src/index.ts'), {
      cwd: root,
      env: {
        ...process.env,
        ...embeddedEnv(dataDir),
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        DAILY_JOB_AUTORUN: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    server.stdout.on('data', (c: Buffer) => (out += c.toString()));
    server.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => server.once('exit', (code) => r(code)));
    try {
      await waitFor(() => out.includes('waiting for a command'), 30_000, 'the server to wait');
      expect(out).not.toContain('server ready');
      expect(alive(held)).toBe(true); // not stopped by the server

      await command.release(); // the command ends and stops its PostgreSQL
      await waitFor(() => out.includes('server ready'), 30_000, 'the server to be ready');
      expect(alive(held)).toBe(false);
      const own = postmasterPid(dataDir)!;
      expect(own).not.toBe(held);
      const url = /"url":"([^"]+)"/.exec(out)![1]!.replace('localhost', '127.0.0.1');
      expect((await fetch(url.replace('/graphql', '/readyz'))).status).toBe(200);

      server.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(alive(own)).toBe(false);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
      await command.kill();
      stopPostmaster(dataDir);
    }
  }, 120_000);
});
