import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MachineInfo } from './machine';
import type { Measurement } from './measure';
import { fmtInt, fmtMs } from './stats';

export const RESULTS_FILE = join(__dirname, '..', 'RESULTS.md');

const roundAll = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));

const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v)}%`);

/** CPU of a process group per successful request, in ms (e.g. 40% of a core at 200/s = 2.00 ms). */
export function cpuPerRequestMs(m: Measurement, group: string): number {
  return ((m.cpu.groups[group] ?? NaN) * 10) / m.achievedRate;
}

const ms2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');

/** A Markdown table of measurements. */
export function measurementTable(rows: Measurement[]): string {
  const head =
    '| measurement | load | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | CPU server / client / PG / Redis / other (% of a core) | CPU ms per request: server / PG | steal |';
  const sep = '|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|';
  const lines = rows.map((m) => {
    const load = m.mode === 'open' ? `open ${m.targetRate}/s` : `closed, ${m.concurrency} in flight`;
    const g = m.cpu.groups;
    const cpu = `${pct(g.server)} / ${pct(g.client)} / ${pct(g.postgres)} / ${pct(g.redis)} / ${pct(m.cpu.otherPct)}`;
    const perRequest = `${ms2(cpuPerRequestMs(m, 'server'))} / ${ms2(cpuPerRequestMs(m, 'postgres'))}`;
    return `| ${m.name} | ${load} | ${fmtInt(m.achievedRate)} | ${fmtMs(m.latency.p50)} | ${fmtMs(m.latency.p90)} | ${fmtMs(m.latency.p99)} | ${fmtMs(m.latency.max)} | ${m.errors} | ${cpu} | ${perRequest} | ${pct(m.cpu.stealPct)} |`;
  });
  return [head, sep, ...lines].join('\n');
}

export function machineLine(m: MachineInfo): string {
  return (
    `${m.nproc} × ${m.cpuModel}, ${m.memoryGb} GB, Linux ${m.kernel}; Node ${m.node}; PostgreSQL ${m.postgres} ` +
    `(${Object.entries(m.pgSettings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}); ` +
    `load average at start ${m.loadAverage.join(' / ')}`
  );
}

/** Things a reader should know about a measurement (errors, missed rate, a busy machine...). */
export function oddities(m: Measurement): string[] {
  const out: string[] = [];
  if (m.errors) {
    const kinds = Object.entries(m.errorKinds)
      .map(([k, n]) => `${k} ×${n}`)
      .join(', ');
    out.push(`${m.name} (${m.mode}): ${m.errors} errors (${kinds}); first: ${m.errorSample?.slice(0, 200)}`);
    if (m.errorKinds.timeout) {
      out.push(
        `${m.name} (${m.mode}): a timed-out request (10 s) counts with its time to the timeout, so the ` +
          `percentiles are lower bounds: the server was overloaded, not merely slow.`,
      );
    }
  } else if (Object.keys(m.errorKinds).length) {
    out.push(`${m.name} (${m.mode}): ${JSON.stringify(m.errorKinds)}`);
  }
  if (m.mode === 'open' && m.targetRate && m.achievedRate < m.targetRate * 0.98) {
    out.push(
      `${m.name}: achieved ${fmtInt(m.achievedRate)}/s of the ${m.targetRate}/s offered (the server fell behind; ` +
        `up to ${m.maxQueued} requests queued for a connection).`,
    );
  }
  if (m.mode === 'open' && m.sendLag && m.sendLag.p99 > 2) {
    out.push(
      `${m.name}: the generator issued requests late (send lag p50 ${fmtMs(m.sendLag.p50)} ms, p99 ${fmtMs(m.sendLag.p99)} ms ` +
        `against the schedule; included in the latency, as it should be for an open loop, this part is the client's own timer and CPU starvation, not the server).`,
    );
  }
  if (m.settle && (!m.settle.quiet || m.settle.waitedMs > 3000)) {
    out.push(
      `${m.name} (${m.mode}): before the run the server/PostgreSQL took ${(m.settle.waitedMs / 1000).toFixed(1)} s to go idle` +
        `${m.settle.quiet ? '' : ` and never did (last: ${JSON.stringify(roundAll(m.settle.last))} % of a core)`} ` +
        `(work left over from the previous phase, e.g. relaying its events).`,
    );
  }
  if (m.runs && m.runs.length > 1) {
    out.push(
      `${m.name} (${m.mode}): median of ${m.runs.length} runs: ` +
        m.runs
          .map(
            (r) =>
              `${fmtInt(r.rate)}/s p50 ${fmtMs(r.p50)} p99 ${fmtMs(r.p99)} ms (other ${pct(r.otherPct)})`,
          )
          .join('; ') +
        '.',
    );
  }
  if (m.cpu.stealPct > 5)
    out.push(`${m.name}: the hypervisor stole ${pct(m.cpu.stealPct)} of the CPU during the window.`);
  if (m.cpu.otherPct > 15) {
    out.push(
      `${m.name}: processes outside the measurement used ${pct(m.cpu.otherPct)} of a core during the window ` +
        `(another job on the machine?): figures are pessimistic.`,
    );
  }
  return out;
}

/**
 * Replaces the section of RESULTS.md between `<!-- bench:<id> -->` and `<!-- /bench:<id> -->`,
 * or appends it. Other benches' sections are left as they are. The file is formatted with
 * the project's Prettier settings, so `npm run lint` stays clean after a run.
 */
export async function writeResultsSection(id: string, markdown: string, file = RESULTS_FILE): Promise<void> {
  const open = `<!-- bench:${id} -->`;
  const close = `<!-- /bench:${id} -->`;
  const block = `${open}\n${markdown.trim()}\n${close}`;
  let text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmark results\n\nWritten by the scripts in `bench/` (each replaces its own section). See `bench/README.md`.\n';
  const a = text.indexOf(open);
  const b = text.indexOf(close);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + close.length);
  else text = `${text.trimEnd()}\n\n${block}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    text = await prettier.format(text, { ...options, filepath: file });
  } catch {
    /* unformatted is still correct */
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
}

/** Integer env var with a default. */
export function envNumber(name: string, def: number, env: NodeJS.ProcessEnv = process.env): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${v}`);
  return n;
}
