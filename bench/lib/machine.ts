import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { adminQuery, serverVersion } from './db';

export interface MachineInfo {
  date: string;
  nproc: number;
  cpuModel: string;
  node: string;
  postgres: string;
  kernel: string;
  memoryGb: number;
  loadAverage: number[];
  /** PostgreSQL settings that shape write latency. */
  pgSettings: Record<string, string>;
}

async function pgSettings(): Promise<Record<string, string>> {
  const names = ['synchronous_commit', 'fsync', 'wal_sync_method', 'shared_buffers', 'max_connections'];
  const rows = await adminQuery<{ name: string; setting: string }>(
    `select name, current_setting(name) as setting from pg_settings where name = any($1) order by name`,
    [names],
  ).catch(() => []);
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return cpus()[0]?.model ?? 'unknown';
}

export async function machineInfo(): Promise<MachineInfo> {
  return {
    date: new Date().toISOString(),
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    node: process.version,
    postgres: await serverVersion().catch(() => 'unknown'),
    kernel: release(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    pgSettings: await pgSettings(),
  };
}
