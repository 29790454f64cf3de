import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * CPU accounting from /proc, so each result can say where the two cores went: the server
 * under test, the load generator, PostgreSQL, Redis, and the machine as a whole. Linux only;
 * elsewhere every figure is NaN.
 */

const TICK_MS = 10; // USER_HZ is 100 on Linux

export interface CpuGroups {
  /** name -> pids (e.g. the server and the load worker). */
  pids?: Record<string, number[]>;
  /** name -> process names (comm), e.g. { postgres: ['postgres'] }. */
  comms?: Record<string, string[]>;
}

export interface CpuSnapshot {
  at: number;
  machineBusy: number;
  machineSteal: number;
  machineTotal: number;
  ticks: Record<string, Map<number, number>>;
}

/** Percent of one core per group, and the machine's busy percent of all its cores. */
export interface CpuReport {
  /** Busy share of all cores (steal excluded). */
  machinePct: number;
  /** Time the hypervisor gave to other guests, share of all cores. */
  stealPct: number;
  cores: number;
  /** % of one core per group. */
  groups: Record<string, number>;
  /** % of one core used by everything not in a group (other processes, the kernel). */
  otherPct: number;
}

function procTicks(pid: number): { comm: string; ticks: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const close = s.lastIndexOf(')');
    const comm = s.slice(s.indexOf('(') + 1, close);
    const f = s.slice(close + 2).split(' ');
    return { comm, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

function machine(): { busy: number; steal: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is inside user)
    const idle = v[3]! + v[4]!; // idle + iowait
    const steal = v[7] ?? 0;
    return { busy: total - idle - steal, steal, total };
  } catch {
    return { busy: NaN, steal: NaN, total: NaN };
  }
}

export function snapshot(groups: CpuGroups): CpuSnapshot {
  const ticks: Record<string, Map<number, number>> = {};
  for (const [name, pids] of Object.entries(groups.pids ?? {})) {
    const m = new Map<number, number>();
    for (const pid of pids) {
      const t = procTicks(pid);
      if (t) m.set(pid, t.ticks);
    }
    ticks[name] = m;
  }
  const comms = Object.entries(groups.comms ?? {});
  if (comms.length) {
    for (const [name] of comms) ticks[name] = new Map();
    let entries: string[] = [];
    try {
      entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
    } catch {
      /* not Linux */
    }
    for (const e of entries) {
      const t = procTicks(Number(e));
      if (!t) continue;
      for (const [name, names] of comms) if (names.includes(t.comm)) ticks[name]!.set(Number(e), t.ticks);
    }
  }
  const m = machine();
  return { at: performance.now(), machineBusy: m.busy, machineSteal: m.steal, machineTotal: m.total, ticks };
}

export function report(a: CpuSnapshot, b: CpuSnapshot): CpuReport {
  const ms = b.at - a.at;
  const groups: Record<string, number> = {};
  for (const [name, end] of Object.entries(b.ticks)) {
    const start = a.ticks[name] ?? new Map<number, number>();
    let used = 0;
    // Processes born during the window count from zero; ones that exited are lost.
    for (const [pid, t] of end) used += t - (start.get(pid) ?? 0);
    groups[name] = ms > 0 ? ((used * TICK_MS) / ms) * 100 : NaN;
  }
  const total = b.machineTotal - a.machineTotal;
  const busyTicks = b.machineBusy - a.machineBusy;
  const grouped = Object.values(groups).reduce((x, y) => x + y, 0);
  return {
    machinePct: total > 0 ? (busyTicks / total) * 100 : NaN,
    stealPct: total > 0 ? ((b.machineSteal - a.machineSteal) / total) * 100 : NaN,
    cores: cpus().length,
    groups,
    otherPct: ms > 0 ? Math.max(0, ((busyTicks * TICK_MS) / ms) * 100 - grouped) : NaN,
  };
}

/**
 * Waits until every group uses less than `maxPct` of a core over a `sampleMs` interval
 * (e.g. a server still relaying a backlog of events from the previous phase, or
 * autovacuum), at most `timeoutMs`. Returns how long it waited, and whether it got quiet.
 */
export async function waitQuiet(
  groups: CpuGroups,
  o: { maxPct?: number; sampleMs?: number; timeoutMs?: number } = {},
): Promise<{ waitedMs: number; quiet: boolean; last: Record<string, number> }> {
  const maxPct = o.maxPct ?? 10;
  const sampleMs = o.sampleMs ?? 500;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const t0 = performance.now();
  let a = snapshot(groups);
  for (;;) {
    await new Promise((r) => setTimeout(r, sampleMs));
    const b = snapshot(groups);
    const r = report(a, b);
    const waitedMs = performance.now() - t0;
    if (Object.values(r.groups).every((v) => !(v >= maxPct)))
      return { waitedMs, quiet: true, last: r.groups };
    if (waitedMs >= timeoutMs) return { waitedMs, quiet: false, last: r.groups };
    a = b;
  }
}
