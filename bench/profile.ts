/**
 * Where each request's CPU goes, by layer (issue 10): the product's `me`,
 * `submitApplication` and `authorizeCardTransaction`, and the bare baseline's `{ hello }`
 * and 4-row mutation, each saturated with the server's V8 profiler on for the window.
 *
 *   npm run bench:profile
 *
 * Prints, per operation: requests per second, CPU per request of the server and of
 * PostgreSQL (from /proc), and the server's CPU per request split by layer (self time of
 * each layer's own functions, from the profile), then the busiest functions. Profiles go to
 * bench/out/profiles/<operation>.cpuprofile (open them in Chrome DevTools or speedscope).
 *
 * Settings (env): BENCH_PROFILE_SEC (8), BENCH_WARMUP_SEC (3), BENCH_CONCURRENCY (64),
 * BENCH_CARDS (50), BENCH_PROFILE_ONLY (comma-separated operation names), BENCH_PROFILE_TOP (12).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setUpCards, authorizationBody } from './authorize-card';
import { bareBody } from './baseline/bare-apollo-pg';
import { submitVariables } from './submit-application';
import { contractOperation } from './lib/graphql';
import { measure, type MeasureOptions, type Measurement } from './lib/measure';
import { summariseProfile, type ProfileSummary } from './lib/profile';
import { cpuPerRequestMs, envNumber } from './lib/report';
import { BENCH_NODE_ENV, spawnServer, type ChildServer } from './lib/servers';
import { signUp, startProduct, withBenchEnvironment } from './lib/suite';
import { BARE_TABLES_SQL } from './baseline/bare-apollo-pg';
import { Client } from 'pg';

interface Row {
  name: string;
  m: Measurement;
  profile: ProfileSummary;
}

const OUT = join(__dirname, 'out');

function print(rows: Row[], top: number): string {
  const lines: string[] = [];
  lines.push('| operation | req/s | server CPU ms/req | PostgreSQL CPU ms/req | errors |');
  lines.push('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${Math.round(r.m.achievedRate)} | ${cpuPerRequestMs(r.m, 'server').toFixed(2)} | ` +
        `${cpuPerRequestMs(r.m, 'postgres').toFixed(2)} | ${r.m.errors} |`,
    );
  }
  const layers = [...new Set(rows.flatMap((r) => Object.keys(r.profile.layers)))];
  const total = (l: string) => rows.reduce((s, r) => s + (r.profile.layers[l] ?? 0), 0);
  layers.sort((a, b) => total(b) - total(a));
  lines.push(
    '',
    `Server CPU per request by layer, ms (self time; % of the server's busy time in brackets):`,
    '',
  );
  lines.push(`| layer | ${rows.map((r) => r.name).join(' | ')} |`);
  lines.push(`| --- | ${rows.map(() => '---:').join(' | ')} |`);
  for (const l of layers) {
    const cells = rows.map((r) => {
      const pct = r.profile.layers[l] ?? 0;
      const ms = (cpuPerRequestMs(r.m, 'server') * pct) / 100;
      return pct < 0.05 ? '' : `${ms.toFixed(3)} (${pct.toFixed(1)}%)`;
    });
    lines.push(`| ${l} | ${cells.join(' | ')} |`);
  }
  for (const r of rows) {
    lines.push('', `Busiest functions, ${r.name} (% of server busy time, self):`, '');
    for (const f of r.profile.top.slice(0, top)) lines.push(`- ${f.pct.toFixed(1)}% ${f.where}`);
  }
  return lines.join('\n');
}

async function main() {
  const sec = envNumber('BENCH_PROFILE_SEC', 8);
  const warmupSec = envNumber('BENCH_WARMUP_SEC', 3);
  const concurrency = envNumber('BENCH_CONCURRENCY', 64);
  const nCards = envNumber('BENCH_CARDS', 50);
  const top = envNumber('BENCH_PROFILE_TOP', 12);
  const only = process.env.BENCH_PROFILE_ONLY?.split(',').map((s) => s.trim());
  const wanted = (name: string) => !only || only.some((o) => name.includes(o));
  const rows: Row[] = [];

  const profiled = async (
    server: ChildServer,
    name: string,
    o: Omit<MeasureOptions, 'name' | 'url' | 'mode'>,
  ) => {
    if (!wanted(name)) return;
    console.log(`${name}: saturated, ${concurrency} in flight, ${sec} s, profiled…`);
    const file = join(OUT, 'profiles', `${name.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`);
    const m = await server.profile(file, () =>
      measure({
        ...o,
        name,
        url: server.url,
        mode: 'saturate',
        concurrency,
        durationSec: sec,
        warmupSec,
        serverPid: server.pid,
      }),
    );
    rows.push({ name, m, profile: summariseProfile(file, 40) });
  };

  await withBenchEnvironment('profile', async (ctx) => {
    const client = new Client({ connectionString: ctx.db.url });
    await client.connect();
    await client.query(BARE_TABLES_SQL);
    await client.end();
    const bare = await spawnServer('bare Apollo + pg', join(__dirname, 'baseline', 'bare-fastify.ts'), {
      BENCH_DATABASE_URL: ctx.db.url,
      NODE_ENV: BENCH_NODE_ENV,
    });
    try {
      await profiled(bare, 'bare hello', {
        body: { query: '{ hello }' },
        expectContains: ['"hello":"world"'],
      });
      await profiled(bare, 'bare 4-row mutation', { bodyFactory: bareBody });
    } finally {
      await bare.stop();
    }

    const server = await startProduct(ctx);
    try {
      const { accessToken } = await signUp(server.url);
      await profiled(server, 'product me', {
        token: accessToken,
        body: { query: contractOperation('auth.graphql', 'Me'), operationName: 'Me' },
        expectContains: ['"me":{'],
      });
      const submitDoc = contractOperation('applications.graphql', 'SubmitApplication');
      await profiled(server, 'product submitApplication', {
        token: accessToken,
        bodyFactory: (i) => ({
          query: submitDoc,
          operationName: 'SubmitApplication',
          variables: submitVariables(i),
        }),
        failIfContains: ['"userErrors":[{'],
        expectContains: ['"status":"APPROVED"'],
      });
      if (wanted('product authorizeCardTransaction')) {
        console.log(`setting up ${nCards} cards…`);
        const cards = await setUpCards(server.url, nCards, 8);
        await profiled(server, 'product authorizeCardTransaction', {
          tokens: cards.map((c) => c.token),
          bodyFactory: authorizationBody(cards),
          failIfContains: ['"userErrors":[{'],
          expectContains: ['"status":"APPROVED"'],
        });
      }
    } finally {
      await server.stop();
    }
  });

  const text = print(rows, top);
  console.log(`\n${text}\n`);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'profile.md'), `${text}\n`);
  writeFileSync(
    join(OUT, 'profile.json'),
    JSON.stringify(
      rows.map((r) => ({ name: r.name, rate: r.m.achievedRate, cpu: r.m.cpu, profile: r.profile })),
      null,
      2,
    ),
  );
  console.log(`written: bench/out/profile.md, bench/out/profile.json, bench/out/profiles/`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
