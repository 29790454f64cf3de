/**
 * SPEC section 13: submitApplication (with its decision) against its baselines, in one run.
 *
 *   npm run bench:submit
 *
 * 1. pgbench: the 4-row transaction, 8 clients (PostgreSQL's own limit here);
 * 2. bare Apollo 5 + Fastify 5 + plain pg, the same 4 rows: saturated, and open-loop 500/s, and `{ hello }`;
 * 3. the product's submitApplication (contract document SubmitApplication) as a fresh
 *    borrower with a prime applicant: saturated, and open-loop 500/s; plus the `me`
 *    query saturated, as a reference for the cost of the HTTP + auth + GraphQL path alone.
 * Targets: product saturated / bare saturated ≥ 0.5; product p99 at 500/s ≤ 20 ms.
 *
 * Settings (env): BENCH_SATURATE_SEC (10), BENCH_OPEN_SEC (15), BENCH_WARMUP_SEC (3),
 * BENCH_RATE (500), BENCH_CONCURRENCY (64), BENCH_CONNECTIONS (64, open loop),
 * BENCH_PGBENCH_SEC (10), BENCH_PGBENCH_CLIENTS (8), BENCH_PGBENCH_SERIAL=0 (skip the
 * 1-client commit-floor run), BENCH_BARE_POOL (10, like the product's), BENCH_ADMIN_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/postgres), BENCH_REDIS_URL (redis://127.0.0.1:6379;
 * "none" for in-process), BENCH_REPEAT (1; 3 = median of 3 runs of each HTTP measurement),
 * BENCH_REFERENCE=0 (skip `me`), BENCH_WRITE_RESULTS=0 (do not
 * touch bench/RESULTS.md). Raw results go to bench/out/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contractOperation, gql, rootFields } from './lib/graphql';
import { BENCH_NODE_ENV } from './lib/servers';
import { measure, measureMedian, type Measurement } from './lib/measure';
import { machineLine, measurementTable, oddities, writeResultsSection } from './lib/report';
import { fmtInt, fmtMs } from './lib/stats';
import {
  runBaselines,
  signUp,
  startProduct,
  withBenchEnvironment,
  type Baselines,
  type BenchContext,
} from './lib/suite';

const SPEC_MIN_RATIO = 0.5;
const SPEC_MAX_P99_MS = 20;

/** The prime applicant of the brief; the amount varies per request (5000.00–5499.00, all grade A). */
export const submitVariables = (i: number) => ({
  input: {
    product: 'PERSONAL_LOAN',
    amount: `${5000 + (i % 500)}.00`,
    termMonths: 36,
    purpose: 'debt consolidation',
    dateOfBirth: '1985-04-12',
    monthlyIncome: '8000.00',
    monthlyDebt: '500.00',
    employmentStatus: 'FULL_TIME',
    creditScore: 780,
    alternativeData: {
      onTimeRentMonths: 12,
      onTimeUtilityMonths: 12,
      bankAccountAgeMonths: 60,
      overdraftsLast90Days: 0,
    },
  },
});

interface ProductRuns {
  available: boolean;
  missingReason?: string;
  saturated?: Measurement;
  open?: Measurement;
  reference?: Measurement;
  sampleDecision?: string;
}

async function runProduct(ctx: BenchContext): Promise<ProductRuns> {
  const c = ctx.config;
  console.log('product: starting (createServer migrates the bench database)…');
  const server = await startProduct(ctx);
  try {
    const { accessToken } = await signUp(server.url);
    const mutations = await rootFields(server.url, 'Mutation');
    const out: ProductRuns = { available: mutations.has('submitApplication') };
    const submitDoc = contractOperation('applications.graphql', 'SubmitApplication');

    if (!out.available) {
      out.missingReason = 'submitApplication is not in the server schema (Mutation has no such field)';
      console.log(`\n*** ${out.missingReason}: no product figures for it in this run. ***\n`);
    } else {
      // One request by hand, checked in full, before any load.
      const probe = await gql<{
        submitApplication: {
          application: {
            status: string;
            decision: { outcome: string; grade: string; score: number } | null;
          } | null;
          userErrors: { code: string; message: string }[];
        };
      }>(server.url, submitDoc, submitVariables(0), accessToken);
      const p = probe.data?.submitApplication;
      if (
        probe.errors?.length ||
        !p?.application ||
        p.userErrors.length ||
        p.application.status !== 'APPROVED'
      ) {
        out.available = false;
        out.missingReason = `the probe SubmitApplication did not return an approved application: ${JSON.stringify(probe).slice(0, 500)}`;
        console.log(`\n*** ${out.missingReason} ***\n`);
      } else {
        const d = p.application.decision;
        out.sampleDecision = d ? `${d.outcome}, grade ${d.grade}, score ${d.score}` : 'no decision';
        const common = {
          url: server.url,
          token: accessToken,
          bodyFactory: (i: number) => ({
            query: submitDoc,
            operationName: 'SubmitApplication',
            variables: submitVariables(i),
          }),
          serverPid: server.pid,
          warmupSec: c.warmupSec,
          failIfContains: ['"userErrors":[{'],
          expectContains: ['"status":"APPROVED"'],
        };
        console.log(`product submitApplication: saturated, ${c.concurrency} in flight, ${c.saturateSec} s…`);
        out.saturated = await measureMedian(
          {
            ...common,
            name: 'product submitApplication',
            mode: 'saturate',
            concurrency: c.concurrency,
            durationSec: c.saturateSec,
          },
          c.repeat,
        );
        console.log(`product submitApplication: open loop ${c.rate}/s, ${c.openSec} s…`);
        out.open = await measureMedian(
          {
            ...common,
            name: 'product submitApplication',
            mode: 'open',
            rate: c.rate,
            connections: c.connections,
            durationSec: c.openSec,
          },
          c.repeat,
        );
      }
    }

    if (process.env.BENCH_REFERENCE !== '0') {
      console.log(`product me (reference): saturated, ${c.concurrency} in flight, ${c.saturateSec} s…`);
      out.reference = await measure({
        name: 'product `me` query (reference)',
        url: server.url,
        token: accessToken,
        body: { query: contractOperation('auth.graphql', 'Me'), operationName: 'Me' },
        serverPid: server.pid,
        mode: 'saturate',
        concurrency: c.concurrency,
        warmupSec: c.warmupSec,
        durationSec: c.saturateSec,
        expectContains: ['"me":{'],
      });
    }
    return out;
  } finally {
    await server.stop();
  }
}

function verdicts(b: Baselines, p: ProductRuns): { lines: string[]; ratio?: number; p99?: number } {
  const lines: string[] = [];
  let ratio: number | undefined;
  let p99: number | undefined;
  if (p.saturated) {
    ratio = p.saturated.achievedRate / b.bareSaturated.achievedRate;
    lines.push(
      `- product saturated / bare saturated = ${fmtInt(p.saturated.achievedRate)} / ${fmtInt(b.bareSaturated.achievedRate)} = ` +
        `**${ratio.toFixed(2)}** (target ≥ ${SPEC_MIN_RATIO}): ${ratio >= SPEC_MIN_RATIO ? 'met' : '**not met**'}`,
    );
  } else lines.push(`- product saturated / bare saturated: not measured (${p.missingReason})`);
  if (p.open) {
    p99 = p.open.latency.p99;
    const okRate = p.open.achievedRate >= (p.open.targetRate ?? 0) * 0.98 && p.open.errors === 0;
    lines.push(
      `- product p99 at an open-loop ${p.open.targetRate}/s = **${fmtMs(p99)} ms** (target ≤ ${SPEC_MAX_P99_MS} ms): ` +
        `${p99 <= SPEC_MAX_P99_MS && okRate ? 'met' : '**not met**'}` +
        (okRate ? '' : ` (achieved ${fmtInt(p.open.achievedRate)}/s with ${p.open.errors} errors)`),
    );
  } else lines.push(`- product p99 at ${b.bareOpen.targetRate}/s: not measured (${p.missingReason})`);
  if (p.reference) {
    const me = p.reference.achievedRate / b.bareHello.achievedRate;
    lines.push(
      `- product \`me\` saturated / bare \`{ hello }\` saturated = ${fmtInt(p.reference.achievedRate)} / ` +
        `${fmtInt(b.bareHello.achievedRate)} = **${me.toFixed(2)}** (issue 10 target ≥ ${SPEC_MIN_RATIO}): ` +
        `${me >= SPEC_MIN_RATIO ? 'met' : '**not met**'}`,
    );
  }
  if (b.pgbench) {
    lines.push(
      `- context: bare Apollo + pg saturated / pgbench tps = ${fmtInt(b.bareSaturated.achievedRate)} / ${fmtInt(b.pgbench.tps)} = ` +
        `${(b.bareSaturated.achievedRate / b.pgbench.tps).toFixed(2)}` +
        (p.saturated ? `; product / pgbench = ${(p.saturated.achievedRate / b.pgbench.tps).toFixed(2)}` : ''),
    );
  }
  return { lines, ratio, p99 };
}

async function main() {
  const result = await withBenchEnvironment('submit', async (ctx) => {
    const baselines = await runBaselines(ctx);
    const product = await runProduct(ctx);
    return { ctx, baselines, product };
  });
  const { ctx, baselines: b, product: p } = result;
  const c = ctx.config;
  const rows = [b.bareSaturated, b.bareOpen, b.bareHello, p.saturated, p.open, p.reference].filter(
    (m): m is Measurement => !!m,
  );
  const v = verdicts(b, p);
  const notes = [...ctx.notes, ...rows.flatMap(oddities)];
  if (p.missingReason) notes.unshift(`No submitApplication figures: ${p.missingReason}.`);

  const pg = b.pgbench;
  const md = [
    `## submitApplication (\`bench/submit-application.ts\`)`,
    '',
    `Run ${ctx.machine.date}. Machine: ${machineLine(ctx.machine)}.`,
    '',
    `Settings: saturated ${c.saturateSec} s at ${c.concurrency} in flight; open loop ${c.openSec} s at ${c.rate}/s on ` +
      `${c.connections} keep-alive connections, arrivals evenly spaced, latency from the scheduled send time; ` +
      `${c.warmupSec} s warm-up excluded from every figure; pgbench ${c.pgbenchSec} s, ${c.pgbenchClients} clients; ` +
      `${c.repeat > 1 ? `each HTTP figure the median of ${c.repeat} runs` : 'one run of each'}. ` +
      `Load generator: bench/lib (raw keep-alive HTTP/1.1 over node:net) in its own process; each server in its own ` +
      `process; Redis ${c.redisUrl ? 'real' : 'absent (in-process)'}; servers with NODE_ENV=${BENCH_NODE_ENV}, the product with LOG_LEVEL=warn.`,
    '',
    '### Targets (SPEC section 13)',
    '',
    ...v.lines,
    '',
    '### Figures',
    '',
    pg
      ? `pgbench (${pg.version.replace(/^pgbench \(PostgreSQL\) /, 'PostgreSQL ')}), the same 4-row transaction, ${pg.clients} clients, ` +
        `-M prepared: **${fmtInt(pg.tps)} tps**, latency p50 ${fmtMs(pg.latency.p50)} ms, p99 ${fmtMs(pg.latency.p99)} ms, ` +
        `max ${fmtMs(pg.latency.max)} ms, ${pg.failed} failed.`
      : 'pgbench: not run.',
    b.pgbenchSerial
      ? `Commit latency floor (pgbench, 1 client, same transaction): ${fmtInt(b.pgbenchSerial.tps)} tps, p50 ` +
        `${fmtMs(b.pgbenchSerial.latency.p50)} ms, p99 ${fmtMs(b.pgbenchSerial.latency.p99)} ms, max ` +
        `${fmtMs(b.pgbenchSerial.latency.max)} ms: every request below commits once (synchronous_commit on), so this bounds its tail.`
      : '',
    '',
    measurementTable(rows),
    '',
    p.sampleDecision ? `Probe decision before the load: ${p.sampleDecision}.` : '',
    '',
    'CPU columns are % of one core during the measured window (server = the process under test, client = the load ' +
      'generator, PG = all postgres processes, Redis = redis-server, other = everything else on the machine); the machine has ' +
      `${ctx.machine.nproc} cores, shared by all of them, so the generator's share is taken from the server and PostgreSQL.`,
    '',
    '### Notes',
    '',
    ...(notes.length ? notes.map((n) => `- ${n}`) : ['- nothing odd detected.']),
  ]
    .filter((l, i, a) => !(l === '' && a[i - 1] === ''))
    .join('\n');

  console.log(`\n${md}\n`);
  const outDir = join(__dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const raw = join(outDir, `submit-application-${ctx.machine.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    raw,
    JSON.stringify({ machine: ctx.machine, config: c, baselines: b, product: p, verdicts: v }, null, 2),
  );
  console.log(`raw results: ${raw}`);
  if (c.writeResults) {
    await writeResultsSection('submit-application', md);
    console.log('bench/RESULTS.md updated (section submit-application).');
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
