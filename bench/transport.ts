/**
 * Issue 10, item 2 "Transport": the same bare Apollo Server 5 schema (bare-apollo-pg.ts:
 * `{ hello }` and the 4-row `benchSubmit` with plain pg) and the same Apollo options,
 * served three ways, measured in one run:
 *
 *   (a) Express 5 + @as-integrations/express5 with express.json (bare-apollo-pg.ts, today's stack);
 *   (b) plain node:http calling apollo.executeHTTPGraphQLRequest (bare-http.ts);
 *   (c) Fastify 5 + @as-integrations/fastify (bare-fastify.ts).
 *
 *   npm run bench:transport
 *
 * Each transport: CSRF prevention on, no batching, no landing page or cache control, a
 * 100 kB body limit, and an `x-request-id` (UUID) on every response; checked on each server
 * before any load. Each operation is run saturated (BENCH_CONCURRENCY in flight) BENCH_REPEAT
 * times per transport, the transports interleaved (a, b, c, a, b, c, ...) so that drift of
 * the shared machine hits all of them; each figure is the median run by throughput.
 * Reported: req/s, p50/p99, and the server's CPU per request (ms), each against Express.
 *
 * Settings (env): BENCH_SATURATE_SEC (10), BENCH_WARMUP_SEC (3), BENCH_CONCURRENCY (64),
 * BENCH_REPEAT (3), BENCH_BARE_POOL (10), BENCH_ADMIN_DATABASE_URL, BENCH_WRITE_RESULTS=0
 * (leave bench/RESULTS.md alone). Raw results go to bench/out/transport-<date>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { BARE_BODY_LIMIT, BARE_TABLES_SQL, bareBody } from './baseline/bare-apollo-pg';
import { measure, medianRun, type MeasureOptions, type Measurement } from './lib/measure';
import { envNumber, machineLine, measurementTable, oddities, writeResultsSection } from './lib/report';
import { BENCH_NODE_ENV, spawnServer, type ChildServer } from './lib/servers';
import { fmtInt, fmtMs } from './lib/stats';
import { withBenchEnvironment } from './lib/suite';

interface Transport {
  id: string;
  name: string;
  entry: string;
  env?: Record<string, string>;
}

const BASELINE = join(__dirname, 'baseline');

const TRANSPORTS: Transport[] = [
  {
    id: 'express',
    name: 'Express 5 + express5 integration',
    entry: join(BASELINE, 'bare-apollo-pg.ts'),
    env: { BENCH_REQUEST_ID: '1' },
  },
  { id: 'http', name: 'node:http + executeHTTPGraphQLRequest', entry: join(BASELINE, 'bare-http.ts') },
  { id: 'fastify', name: 'Fastify 5 + @as-integrations/fastify', entry: join(BASELINE, 'bare-fastify.ts') },
];

interface Operation {
  id: string;
  name: string;
  options: Pick<MeasureOptions, 'body' | 'bodyFactory' | 'expectContains'>;
}

const OPERATIONS: Operation[] = [
  {
    id: 'hello',
    name: '`{ hello }`',
    options: { body: { query: '{ hello }' }, expectContains: ['"hello":"world"'] },
  },
  {
    id: 'submit',
    name: '4-row `benchSubmit`',
    options: { bodyFactory: bareBody, expectContains: ['"benchSubmit":{"id":'] },
  },
];

interface Row {
  transport: Transport;
  operation: Operation;
  m: Measurement;
}

/** Server CPU per request, ms: % of a core × 10 ms per second, over requests per second. */
const cpuMsPerRequest = (m: Measurement, group = 'server') =>
  ((m.cpu.groups[group] ?? NaN) * 10) / m.achievedRate;

/**
 * The features the comparison assumes, checked on one server before any load: the query
 * answers, an x-request-id on the response, a GET without a preflight header is refused
 * (CSRF), and a body over the limit gets 413. Returns what failed.
 */
async function checkFeatures(url: string): Promise<string[]> {
  const failed: string[] = [];
  const post = (body: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const ok = await post(JSON.stringify({ query: '{ hello }' }));
  const text = await ok.text();
  if (ok.status !== 200 || !text.includes('"hello":"world"')) failed.push(`{ hello }: ${ok.status} ${text}`);
  if (!/^[0-9a-f-]{36}$/.test(ok.headers.get('x-request-id') ?? '')) failed.push('no x-request-id UUID');
  const csrf = await fetch(`${url}?query=%7Bhello%7D`);
  if (csrf.status !== 400) failed.push(`GET without a preflight header: ${csrf.status}, not 400`);
  const big = await post(
    JSON.stringify({ query: '{ hello }', variables: { pad: 'x'.repeat(BARE_BODY_LIMIT) } }),
  );
  if (big.status !== 413) failed.push(`a body over ${BARE_BODY_LIMIT} bytes: ${big.status}, not 413`);
  return failed;
}

function ratioTable(rows: Row[]): string {
  const lines = [
    '| operation | transport | req/s | × Express | p50 ms | p99 ms | server CPU ms/req | × Express | PG CPU ms/req | other (% of a core) | errors |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const base = rows.find((b) => b.operation === r.operation && b.transport.id === 'express')?.m;
    const rate = base ? (r.m.achievedRate / base.achievedRate).toFixed(2) : '—';
    const cpu = base ? (cpuMsPerRequest(r.m) / cpuMsPerRequest(base)).toFixed(2) : '—';
    lines.push(
      `| ${r.operation.name} | ${r.transport.name} | ${fmtInt(r.m.achievedRate)} | ${rate} | ` +
        `${fmtMs(r.m.latency.p50)} | ${fmtMs(r.m.latency.p99)} | ${cpuMsPerRequest(r.m).toFixed(3)} | ${cpu} | ` +
        `${cpuMsPerRequest(r.m, 'postgres').toFixed(3)} | ${Math.round(r.m.cpu.otherPct)}% | ${r.m.errors} |`,
    );
  }
  return lines.join('\n');
}

async function main() {
  const repeat = Math.round(envNumber('BENCH_REPEAT', 3));
  const result = await withBenchEnvironment('transport', async (ctx) => {
    const c = ctx.config;
    const client = new Client({ connectionString: ctx.db.url });
    await client.connect();
    await client.query(BARE_TABLES_SQL);
    await client.end();

    const servers = new Map<string, ChildServer>();
    const features: Record<string, string[]> = {};
    try {
      // One at a time: each creates the bare tables (if not there) on start.
      for (const t of TRANSPORTS) {
        const server = await spawnServer(t.name, t.entry, {
          BENCH_DATABASE_URL: ctx.db.url,
          NODE_ENV: BENCH_NODE_ENV,
          ...t.env,
        });
        servers.set(t.id, server);
        features[t.id] = await checkFeatures(server.url);
        if (features[t.id]!.length) throw new Error(`${t.name}: ${features[t.id]!.join('; ')}`);
      }
      const runs = new Map<string, Measurement[]>();
      for (const op of OPERATIONS) {
        for (let r = 1; r <= repeat; r++) {
          for (const t of TRANSPORTS) {
            const server = servers.get(t.id)!;
            console.log(
              `${op.name} on ${t.name}: run ${r}/${repeat}, saturated, ${c.concurrency} in flight, ${c.saturateSec} s…`,
            );
            const m = await measure({
              ...op.options,
              name: `${t.name}, ${op.name}`,
              url: server.url,
              mode: 'saturate',
              concurrency: c.concurrency,
              durationSec: c.saturateSec,
              warmupSec: c.warmupSec,
              serverPid: server.pid,
            });
            console.log(
              `  ${fmtInt(m.achievedRate)}/s p50 ${fmtMs(m.latency.p50)} p99 ${fmtMs(m.latency.p99)} ms, ` +
                `server ${cpuMsPerRequest(m).toFixed(3)} ms CPU/req, other ${Math.round(m.cpu.otherPct)}%, ${m.errors} errors`,
            );
            const key = `${op.id}/${t.id}`;
            runs.set(key, [...(runs.get(key) ?? []), m]);
          }
        }
      }
      const rows: Row[] = OPERATIONS.flatMap((operation) =>
        TRANSPORTS.map((transport) => ({
          transport,
          operation,
          m: medianRun(runs.get(`${operation.id}/${transport.id}`)!),
        })),
      );
      return { ctx, rows, features, repeat };
    } finally {
      for (const s of servers.values()) await s.stop();
    }
  });

  const { ctx, rows, repeat: n } = result;
  const c = ctx.config;
  const notes = [...ctx.notes, ...rows.flatMap((r) => oddities(r.m))];
  const md = [
    '## Transport: Express vs node:http vs Fastify (`bench/transport.ts`)',
    '',
    `Run ${ctx.machine.date}. Machine: ${machineLine(ctx.machine)}.`,
    '',
    `The same bare Apollo Server 5 schema and options (bench/baseline/bare-apollo-pg.ts: CSRF prevention, no ` +
      `batching, landing page and cache control disabled, a ${BARE_BODY_LIMIT / 1024} kB body limit, an ` +
      '`x-request-id` UUID on every response, all checked on each server before the load) served by (a) Express 5 + ' +
      '@as-integrations/express5 with express.json (today), (b) plain node:http calling ' +
      '`executeHTTPGraphQLRequest` (`baseline/bare-http.ts`), (c) Fastify 5 + @as-integrations/fastify ' +
      `(\`baseline/bare-fastify.ts\`). Saturated ${c.saturateSec} s at ${c.concurrency} in flight after ` +
      `${c.warmupSec} s of warm-up; each figure the median (by req/s) of ${n} runs, the transports interleaved ` +
      `(a, b, c, a, b, c, …); each server in its own process, NODE_ENV=${BENCH_NODE_ENV}, the load generator in another.`,
    '',
    ratioTable(rows),
    '',
    "Server CPU ms/req = the server process's CPU during the window over the requests it answered: the figure " +
      'that travels best (req/s also depends on what the generator and PostgreSQL leave of the 2 cores). ' +
      '"other" is CPU used by processes outside the measurement (e.g. a test run): high means pessimistic figures.',
    '',
    measurementTable(rows.map((r) => r.m)),
    '',
    '### Notes',
    '',
    ...(notes.length ? notes.map((line) => `- ${line}`) : ['- nothing odd detected.']),
  ].join('\n');

  console.log(`\n${md}\n`);
  const outDir = join(__dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const raw = join(outDir, `transport-${ctx.machine.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    raw,
    JSON.stringify(
      {
        machine: ctx.machine,
        config: { ...c, repeat: n },
        features: result.features,
        rows: rows.map((r) => ({ transport: r.transport.id, operation: r.operation.id, ...r.m })),
      },
      null,
      2,
    ),
  );
  console.log(`raw results: ${raw}`);
  if (c.writeResults) {
    await writeResultsSection('transport', md);
    console.log('bench/RESULTS.md updated (section transport).');
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
