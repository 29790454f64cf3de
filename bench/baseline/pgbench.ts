import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type LatencySummary } from '../lib/stats';

/**
 * PostgreSQL's own limit for the baseline's 4-row transaction (bench/baseline/pgbench.sql),
 * measured with pgbench. Tables must exist (bench/baseline/tables.sql). Per-transaction
 * logs (-l) give percentiles; the first `warmupSec` seconds are excluded, like the HTTP runs.
 */

export interface PgbenchResult {
  clients: number;
  threads: number;
  windowSec: number;
  warmupSec: number;
  /** Transactions per second in the measured window, from the per-transaction log. */
  tps: number;
  /** pgbench's own figure over the whole run (warm-up included). */
  reportedTps: number;
  transactions: number;
  failed: number;
  latency: LatencySummary;
  version: string;
  command: string;
}

export function findPgbench(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BENCH_PGBENCH) return env.BENCH_PGBENCH;
  for (const dir of (env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench');
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const p = `/usr/lib/postgresql/${v}/bin/pgbench`;
      if (existsSync(p)) return p;
    }
  } catch {
    /* not Debian-style */
  }
  throw new Error('pgbench not found (set BENCH_PGBENCH)');
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}

export async function runPgbench(o: {
  databaseUrl: string;
  clients?: number;
  threads?: number;
  durationSec: number;
  warmupSec: number;
  script?: string;
}): Promise<PgbenchResult> {
  const bin = findPgbench();
  const clients = o.clients ?? 8;
  const threads = o.threads ?? 2;
  const u = new URL(o.databaseUrl);
  const logDir = mkdtempSync(join(tmpdir(), 'bench-pgbench-'));
  const script = o.script ?? join(__dirname, 'pgbench.sql');
  const total = Math.ceil(o.warmupSec + o.durationSec);
  const args = [
    '-n', // no vacuum of pgbench's own tables (there are none)
    '-M',
    'prepared',
    '-c',
    String(clients),
    '-j',
    String(threads),
    '-T',
    String(total),
    '-f',
    script,
    '-l',
    `--log-prefix=${join(logDir, 'tx')}`,
    '-h',
    u.hostname,
    '-p',
    u.port || '5432',
    '-U',
    decodeURIComponent(u.username || 'postgres'),
    decodeURIComponent(u.pathname.slice(1)),
  ];
  const env = { ...process.env, ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}) };
  try {
    const version = (await run(bin, ['--version'], env)).out.trim();
    const { code, out } = await run(bin, args, env);
    if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${out}`);
    const reportedTps = Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? NaN);
    const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);

    // Log line: client_id transaction_no time_us script_no epoch_s epoch_us
    const ends: number[] = [];
    const lats: number[] = [];
    for (const f of readdirSync(logDir)) {
      for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
        const p = line.split(' ');
        if (p.length < 6) continue;
        lats.push(Number(p[2]) / 1000);
        ends.push(Number(p[4]) * 1000 + Number(p[5]) / 1000);
      }
    }
    if (!ends.length) throw new Error(`pgbench wrote no transaction log:\n${out}`);
    let firstEnd = Infinity;
    for (const e of ends) if (e < firstEnd) firstEnd = e;
    const from = firstEnd + o.warmupSec * 1000;
    const to = from + o.durationSec * 1000;
    const window: number[] = [];
    for (let i = 0; i < ends.length; i++) if (ends[i]! >= from && ends[i]! < to) window.push(lats[i]!);
    return {
      clients,
      threads,
      windowSec: o.durationSec,
      warmupSec: o.warmupSec,
      tps: window.length / o.durationSec,
      reportedTps,
      transactions: window.length,
      failed,
      latency: summarize(window),
      version,
      command: `pgbench ${args.filter((a) => !a.startsWith('--log-prefix')).join(' ')}`,
    };
  } finally {
    rmSync(logDir, { recursive: true, force: true });
  }
}
