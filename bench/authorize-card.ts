/**
 * SPEC section 13: authorizeCardTransaction against its baselines, in one run.
 *
 *   npm run bench:authorize
 *
 * 1. pgbench and the bare Apollo 5 + Fastify 5 + plain pg mutation (4 rows), saturated and
 *    open-loop 500/s, exactly as bench/submit-application.ts runs them;
 * 2. the product: BENCH_CARDS (200) fresh borrowers, each with an accepted prime CREDIT_LINE
 *    of $10,000.00 and its virtual card (set up 8 at a time);
 * 3. the product's authorizeCardTransaction (contract document AuthorizeCardTransaction),
 *    every request on a different card than its neighbours (round-robin over the cards,
 *    each with its owner's token), $1.00–$9.99, a fresh idempotency key per request:
 *    saturated, and open-loop 500/s;
 * 4. correctness: 50 concurrent $30.00 authorizations on one fresh $1,000.00 line must give
 *    exactly 33 APPROVED and 17 DECLINED (INSUFFICIENT_CREDIT), and availableCredit 10.00.
 * Target: product p99 at an open-loop 500/s ≤ 20 ms (distinct cards); 50 concurrent on one
 * card stay correct. The saturated figure is shown beside the bare baseline's for context.
 *
 * Settings (env): BENCH_CARDS (200), BENCH_SETUP_CONCURRENCY (8), and the ones of
 * bench/submit-application.ts: BENCH_SATURATE_SEC (10), BENCH_OPEN_SEC (15), BENCH_WARMUP_SEC
 * (3), BENCH_RATE (500), BENCH_CONCURRENCY (64), BENCH_CONNECTIONS (64), BENCH_PGBENCH_SEC (10),
 * BENCH_PGBENCH_CLIENTS (8), BENCH_PGBENCH_SERIAL=0, BENCH_BARE_POOL (10), BENCH_ADMIN_DATABASE_URL,
 * BENCH_REDIS_URL, BENCH_REPEAT (1), BENCH_WRITE_RESULTS=0. Raw results go to bench/out/.
 * Exit status 1 when the correctness check fails (timings never change the exit status).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { submitVariables } from './submit-application';
import { contractOperation, gql, must, rootFields, type GqlResult } from './lib/graphql';
import { BENCH_NODE_ENV } from './lib/servers';
import { measureMedian, type GraphQLBody, type Measurement } from './lib/measure';
import { envNumber, machineLine, measurementTable, oddities, writeResultsSection } from './lib/report';
import { fmtInt, fmtMs } from './lib/stats';
import {
  runBaselines,
  signUp,
  startProduct,
  withBenchEnvironment,
  type Baselines,
  type BenchContext,
} from './lib/suite';

const SPEC_MAX_P99_MS = 20;
/** Saturated throughput against the bare baseline's (issue 10). */
const MIN_RATIO = 0.4;
const CARD_LIMIT = '10000.00';
const CHECK_LIMIT = '1000.00';
const CHECK_AMOUNT = '30.00';
const CHECK_CONCURRENT = 50;
const CHECK_EXPECT = { approved: 33, declined: 17, availableCredit: '10.00' };

interface CardHolder {
  token: string;
  cardId: string;
  accountId: string;
}

interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}

interface AuthorizePayload {
  authorizeCardTransaction: {
    transaction: {
      id: string;
      status: string;
      amount: { amount: string };
      declineReason: string | null;
    } | null;
    account: { id: string; availableCredit: { amount: string } } | null;
    userErrors: UserError[];
  };
}

/** The prime applicant of bench/submit-application.ts, applying for a credit line (no term). */
export function creditLineVariables(amount: string) {
  const { termMonths: _termMonths, ...applicant } = submitVariables(0).input;
  return { input: { ...applicant, product: 'CREDIT_LINE', amount } };
}

/** $1.00–$9.99 by request index (at most $9.99 per purchase, so no $10,000 line runs out). */
export const purchaseAmount = (i: number): string =>
  `${1 + (i % 9)}.${String((i * 37) % 100).padStart(2, '0')}`;

interface AuthorizationBody extends GraphQLBody {
  variables: { input: Record<string, unknown> };
}

/** Request i of a run: a purchase on card i mod n, with a fresh idempotency key ({{uuid}}). */
export function authorizationBody(cards: readonly { cardId: string }[]): (i: number) => AuthorizationBody {
  const query = contractOperation('accounts.graphql', 'AuthorizeCardTransaction');
  return (i) => ({
    query,
    operationName: 'AuthorizeCardTransaction',
    variables: {
      input: {
        cardId: cards[i % cards.length]!.cardId,
        amount: purchaseAmount(i),
        merchantName: 'Bench Shop',
        category: 'OTHER',
        idempotencyKey: 'bench-{{uuid}}',
      },
    },
  });
}

/** A fresh borrower with an accepted credit line of `limit` and its card. */
async function openCreditLine(url: string, limit: string, label: string): Promise<CardHolder> {
  const { accessToken } = await signUp(url, {
    email: `bench-authorize-${label}-${randomUUID().slice(0, 8)}@example.com`,
  });
  const submitted = must(
    await gql<{
      submitApplication: {
        application: { id: string; status: string } | null;
        userErrors: UserError[];
      };
    }>(
      url,
      contractOperation('applications.graphql', 'SubmitApplication'),
      creditLineVariables(limit),
      accessToken,
    ),
    'submitApplication',
  ).submitApplication;
  if (!submitted.application || submitted.userErrors.length || submitted.application.status !== 'APPROVED') {
    throw new Error(`submitApplication (CREDIT_LINE ${limit}) not approved: ${JSON.stringify(submitted)}`);
  }
  const accepted = must(
    await gql<{
      acceptOffer: {
        application: { id: string; status: string } | null;
        account: {
          id: string;
          creditLimit: { amount: string };
          cards: { id: string; status: string }[];
        } | null;
        userErrors: UserError[];
      };
    }>(
      url,
      contractOperation('applications.graphql', 'AcceptOffer'),
      { input: { applicationId: submitted.application.id } },
      accessToken,
    ),
    'acceptOffer',
  ).acceptOffer;
  const card = accepted.account?.cards[0];
  if (accepted.userErrors.length || !accepted.account || !card || card.status !== 'ACTIVE') {
    throw new Error(`acceptOffer gave no active card: ${JSON.stringify(accepted)}`);
  }
  if (accepted.account.creditLimit.amount !== limit) {
    throw new Error(`acceptOffer opened a line of ${accepted.account.creditLimit.amount}, not ${limit}`);
  }
  return { token: accessToken, cardId: card.id, accountId: accepted.account.id };
}

/** `count` card holders, `concurrency` set up at a time, in index order. */
export async function setUpCards(url: string, count: number, concurrency: number): Promise<CardHolder[]> {
  const out = new Array<CardHolder>(count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      out[i] = await openCreditLine(url, CARD_LIMIT, String(i));
      if (++done % 50 === 0 || done === count) console.log(`  ${done}/${count} cards`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

export interface CorrectnessCheck {
  passed: boolean;
  approved: number;
  declined: number;
  declinedInsufficient: number;
  otherOutcomes: string[];
  availableCredit: string | null;
  outstandingBalance: string | null;
  transactionsListed: number | null;
  approvedListed: number | null;
  elapsedMs: number;
  failures: string[];
}

/** 50 concurrent $30.00 authorizations on one fresh $1,000.00 line, distinct keys. */
async function correctnessCheck(url: string): Promise<CorrectnessCheck> {
  const holder = await openCreditLine(url, CHECK_LIMIT, 'check');
  const doc = contractOperation('accounts.graphql', 'AuthorizeCardTransaction');
  const run = randomUUID();
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: CHECK_CONCURRENT }, (_, i) =>
      gql<AuthorizePayload>(
        url,
        doc,
        {
          input: {
            cardId: holder.cardId,
            amount: CHECK_AMOUNT,
            merchantName: 'Bench Shop',
            category: 'OTHER',
            idempotencyKey: `check-${run}-${i}`,
          },
        },
        holder.token,
      ).catch((err: unknown): GqlResult<AuthorizePayload> => ({
        status: 0,
        errors: [{ message: String(err) }],
      })),
    ),
  );
  const elapsedMs = performance.now() - t0;
  let approved = 0;
  let declined = 0;
  let declinedInsufficient = 0;
  const otherOutcomes: string[] = [];
  for (const r of results) {
    const p = r.data?.authorizeCardTransaction;
    const t = p?.transaction;
    if (r.status !== 200 || r.errors?.length || !p || p.userErrors.length || !t) {
      otherOutcomes.push(JSON.stringify(r).slice(0, 300));
    } else if (t.status === 'APPROVED') approved++;
    else if (t.status === 'DECLINED') {
      declined++;
      if (t.declineReason === 'INSUFFICIENT_CREDIT') declinedInsufficient++;
      else otherOutcomes.push(`DECLINED with ${t.declineReason}`);
    } else otherOutcomes.push(`status ${t.status}`);
  }

  const account = await gql<{
    account: {
      availableCredit: { amount: string };
      outstandingBalance: { amount: string };
      transactions: { totalCount: number; edges: { node: { status: string } }[] };
    } | null;
  }>(url, contractOperation('accounts.graphql', 'Account'), { id: holder.accountId }, holder.token);
  const a = account.data?.account ?? null;
  const failures: string[] = [];
  if (approved !== CHECK_EXPECT.approved)
    failures.push(`${approved} approved (expected ${CHECK_EXPECT.approved})`);
  if (declined !== CHECK_EXPECT.declined)
    failures.push(`${declined} declined (expected ${CHECK_EXPECT.declined})`);
  if (declinedInsufficient !== declined)
    failures.push(`${declined - declinedInsufficient} declined for another reason than INSUFFICIENT_CREDIT`);
  if (otherOutcomes.length)
    failures.push(`${otherOutcomes.length} other outcomes, first: ${otherOutcomes[0]}`);
  if (!a) failures.push(`the Account query failed: ${JSON.stringify(account).slice(0, 300)}`);
  else if (a.availableCredit.amount !== CHECK_EXPECT.availableCredit)
    failures.push(`availableCredit ${a.availableCredit.amount} (expected ${CHECK_EXPECT.availableCredit})`);
  return {
    passed: failures.length === 0,
    approved,
    declined,
    declinedInsufficient,
    otherOutcomes,
    availableCredit: a?.availableCredit.amount ?? null,
    outstandingBalance: a?.outstandingBalance.amount ?? null,
    transactionsListed: a?.transactions.totalCount ?? null,
    approvedListed: a ? a.transactions.edges.filter((e) => e.node.status === 'APPROVED').length : null,
    elapsedMs,
    failures,
  };
}

interface ProductRuns {
  available: boolean;
  missingReason?: string;
  cards: number;
  setupSec?: number;
  saturated?: Measurement;
  open?: Measurement;
  check?: CorrectnessCheck;
  checkError?: string;
  sampleAfter?: { availableCredit: string; transactions: number } | null;
}

async function runProduct(ctx: BenchContext, nCards: number, setupConcurrency: number): Promise<ProductRuns> {
  const c = ctx.config;
  console.log('product: starting (createServer migrates the bench database)…');
  const server = await startProduct(ctx);
  const out: ProductRuns = { available: true, cards: nCards };
  try {
    const mutations = await rootFields(server.url, 'Mutation');
    const missing = ['submitApplication', 'acceptOffer', 'authorizeCardTransaction'].filter(
      (f) => !mutations.has(f),
    );
    if (missing.length) {
      out.available = false;
      out.missingReason = `${missing.join(', ')} not in the server schema`;
      console.log(`\n*** ${out.missingReason}: no product figures in this run. ***\n`);
      return out;
    }

    console.log(
      `product: ${nCards} borrowers with a ${CARD_LIMIT} credit line, ${setupConcurrency} at a time…`,
    );
    const t0 = performance.now();
    const cards = await setUpCards(server.url, nCards, setupConcurrency);
    out.setupSec = (performance.now() - t0) / 1000;
    console.log(`product: set up in ${out.setupSec.toFixed(1)} s`);

    console.log(`correctness: ${CHECK_CONCURRENT} concurrent ${CHECK_AMOUNT} on one ${CHECK_LIMIT} line…`);
    try {
      out.check = await correctnessCheck(server.url);
      console.log(
        `correctness: ${out.check.passed ? 'PASS' : 'FAIL'}: ${out.check.approved} approved, ${out.check.declined} declined ` +
          `(${out.check.declinedInsufficient} INSUFFICIENT_CREDIT), availableCredit ${out.check.availableCredit}` +
          (out.check.failures.length ? `; ${out.check.failures.join('; ')}` : ''),
      );
    } catch (err) {
      out.checkError = (err as Error).message;
      console.log(`correctness: could not run: ${out.checkError}`);
    }

    const body = authorizationBody(cards);

    // One request by hand, checked in full, before any load.
    const probe = await gql<AuthorizePayload>(
      server.url,
      body(0).query,
      { input: { ...body(0).variables.input, idempotencyKey: `probe-${randomUUID()}` } },
      cards[0]!.token,
    );
    const pp = probe.data?.authorizeCardTransaction;
    if (
      probe.errors?.length ||
      !pp?.transaction ||
      pp.userErrors.length ||
      pp.transaction.status !== 'APPROVED'
    ) {
      out.available = false;
      out.missingReason = `the probe AuthorizeCardTransaction was not approved: ${JSON.stringify(probe).slice(0, 500)}`;
      console.log(`\n*** ${out.missingReason} ***\n`);
      return out;
    }

    const common = {
      url: server.url,
      tokens: cards.map((h) => h.token), // request i: tokens[i % n] with cards[i % n]
      bodyFactory: body,
      serverPid: server.pid,
      warmupSec: c.warmupSec,
      failIfContains: ['"userErrors":[{'],
      expectContains: ['"status":"APPROVED"'],
    };
    console.log(
      `product authorizeCardTransaction: saturated, ${c.concurrency} in flight, ${c.saturateSec} s…`,
    );
    out.saturated = await measureMedian(
      {
        ...common,
        name: `product authorizeCardTransaction, ${nCards} cards`,
        mode: 'saturate',
        concurrency: c.concurrency,
        durationSec: c.saturateSec,
      },
      c.repeat,
    );
    console.log(`product authorizeCardTransaction: open loop ${c.rate}/s, ${c.openSec} s…`);
    out.open = await measureMedian(
      {
        ...common,
        name: `product authorizeCardTransaction, ${nCards} cards`,
        mode: 'open',
        rate: c.rate,
        connections: c.connections,
        durationSec: c.openSec,
      },
      c.repeat,
    );

    // What card 0 (the probe plus its equal share of the load) has left.
    const after = await gql<{
      account: { availableCredit: { amount: string }; transactions: { totalCount: number } } | null;
    }>(
      server.url,
      contractOperation('accounts.graphql', 'Account'),
      { id: cards[0]!.accountId },
      cards[0]!.token,
    );
    const a = after.data?.account;
    out.sampleAfter = a
      ? { availableCredit: a.availableCredit.amount, transactions: a.transactions.totalCount }
      : null;
    return out;
  } finally {
    await server.stop();
  }
}

function verdicts(b: Baselines, p: ProductRuns): string[] {
  const lines: string[] = [];
  if (p.open) {
    const p99 = p.open.latency.p99;
    const okRate = p.open.achievedRate >= (p.open.targetRate ?? 0) * 0.98 && p.open.errors === 0;
    lines.push(
      `- product p99 at an open-loop ${p.open.targetRate}/s on distinct cards = **${fmtMs(p99)} ms** ` +
        `(target ≤ ${SPEC_MAX_P99_MS} ms): ${p99 <= SPEC_MAX_P99_MS && okRate ? 'met' : '**not met**'}` +
        (okRate ? '' : ` (achieved ${fmtInt(p.open.achievedRate)}/s with ${p.open.errors} errors)`) +
        `; the bare baseline's p99 at the same rate in this run: ${fmtMs(b.bareOpen.latency.p99)} ms`,
    );
  } else lines.push(`- product p99 at ${b.bareOpen.targetRate}/s: not measured (${p.missingReason})`);
  if (p.check) {
    const k = p.check;
    lines.push(
      `- ${CHECK_CONCURRENT} concurrent ${CHECK_AMOUNT} authorizations on one ${CHECK_LIMIT} line: ` +
        `${k.passed ? '**pass**' : '**FAIL**'}: ${k.approved} approved, ${k.declined} declined ` +
        `(${k.declinedInsufficient} INSUFFICIENT_CREDIT), availableCredit ${k.availableCredit ?? '—'} ` +
        `(expected ${CHECK_EXPECT.approved} / ${CHECK_EXPECT.declined} / ${CHECK_EXPECT.availableCredit})` +
        (k.failures.length ? `; ${k.failures.join('; ')}` : ''),
    );
  } else
    lines.push(
      `- ${CHECK_CONCURRENT} concurrent on one card: **not run** (${p.checkError ?? p.missingReason ?? 'unknown'})`,
    );
  if (p.saturated) {
    lines.push(
      `- product saturated / bare Apollo + pg saturated = ${fmtInt(p.saturated.achievedRate)} / ` +
        `${fmtInt(b.bareSaturated.achievedRate)} = **${(p.saturated.achievedRate / b.bareSaturated.achievedRate).toFixed(2)}** ` +
        `(issue 10 target ≥ ${MIN_RATIO}): ` +
        `${p.saturated.achievedRate / b.bareSaturated.achievedRate >= MIN_RATIO ? 'met' : '**not met**'}` +
        (b.pgbench
          ? `; bare / pgbench tps = ${fmtInt(b.bareSaturated.achievedRate)} / ${fmtInt(b.pgbench.tps)} = ` +
            `${(b.bareSaturated.achievedRate / b.pgbench.tps).toFixed(2)}`
          : ''),
    );
  }
  return lines;
}

async function main() {
  const nCards = Math.round(envNumber('BENCH_CARDS', 200));
  const setupConcurrency = Math.round(envNumber('BENCH_SETUP_CONCURRENCY', 8));
  const result = await withBenchEnvironment('authorize', async (ctx) => {
    const baselines = await runBaselines(ctx);
    const product = await runProduct(ctx, nCards, setupConcurrency);
    return { ctx, baselines, product };
  });
  const { ctx, baselines: b, product: p } = result;
  const c = ctx.config;
  const rows = [b.bareSaturated, b.bareOpen, p.saturated, p.open].filter((m): m is Measurement => !!m);
  const v = verdicts(b, p);
  const notes = [...ctx.notes, ...rows.flatMap(oddities)];
  if (p.missingReason) notes.unshift(`No authorizeCardTransaction figures: ${p.missingReason}.`);
  if (p.check) {
    const k = p.check;
    notes.push(
      `Correctness check: the ${CHECK_CONCURRENT} requests went out at once over separate connections (fetch) and all ` +
        `answered in ${fmtInt(k.elapsedMs)} ms; the account then listed ${k.transactionsListed ?? '—'} transactions ` +
        `(${k.approvedListed ?? '—'} approved), outstanding balance ${k.outstandingBalance ?? '—'}. It ran on a quiet ` +
        `server, after the set-up and before the load.`,
    );
  }
  if (b.bareOpen.latency.p99 > SPEC_MAX_P99_MS) {
    notes.push(
      `The bare Apollo + pg baseline itself had a p99 of ${fmtMs(b.bareOpen.latency.p99)} ms at ${b.bareOpen.targetRate}/s ` +
        `in this run, above the ${SPEC_MAX_P99_MS} ms target: on this machine, at this rate, the tail of even a minimal ` +
        `Node + PostgreSQL write is at the target.`,
    );
  }
  const cpuPerRequest = (m: Measurement | undefined) =>
    m && m.achievedRate > 0 ? ((m.cpu.groups.server ?? NaN) * 10) / m.achievedRate : NaN;
  if (p.saturated) {
    notes.push(
      `Server CPU per successful request when saturated (CPU % of a core × 10 / req/s): product ` +
        `${fmtMs(cpuPerRequest(p.saturated))} ms, bare baseline ${fmtMs(cpuPerRequest(b.bareSaturated))} ms; ` +
        `PostgreSQL ${fmtMs(((p.saturated.cpu.groups.postgres ?? NaN) * 10) / p.saturated.achievedRate)} ms against ` +
        `${fmtMs(((b.bareSaturated.cpu.groups.postgres ?? NaN) * 10) / b.bareSaturated.achievedRate)} ms. ` +
        (p.saturated.achievedRate < c.rate
          ? `The saturated rate is below the ${c.rate}/s offered in the open loop, so that load cannot be carried ` +
            `at any latency: requests queue until they time out.`
          : ''),
    );
  }
  if (p.sampleAfter) {
    notes.push(
      `After the load, card 0's line (the probe plus its equal share of the load) had ` +
        `${p.sampleAfter.availableCredit} of ${CARD_LIMIT} left over ${p.sampleAfter.transactions} transactions, ` +
        `so no card came near its limit (a declined purchase would have counted as an error).`,
    );
  }

  const pg = b.pgbench;
  const md = [
    `## authorizeCardTransaction (\`bench/authorize-card.ts\`)`,
    '',
    `Run ${ctx.machine.date}. Machine: ${machineLine(ctx.machine)}.`,
    '',
    `Settings: ${p.cards} cards, each a fresh borrower's accepted prime CREDIT_LINE of ${CARD_LIMIT}` +
      (p.setupSec !== undefined
        ? ` (set up ${setupConcurrency} at a time in ${p.setupSec.toFixed(1)} s)`
        : '') +
      `; request i on card i mod ${p.cards} with its owner's token, $1.00–$9.99, category OTHER, a fresh ` +
      `idempotency key per request; an error is a userError or a status other than APPROVED. ` +
      `Saturated ${c.saturateSec} s at ${c.concurrency} in flight; open loop ${c.openSec} s at ${c.rate}/s on ` +
      `${c.connections} keep-alive connections, arrivals evenly spaced, latency from the scheduled send time; ` +
      `${c.warmupSec} s warm-up excluded from every figure; pgbench ${c.pgbenchSec} s, ${c.pgbenchClients} clients; ` +
      `${c.repeat > 1 ? `each HTTP figure the median of ${c.repeat} runs` : 'one run of each'}. ` +
      `Load generator: bench/lib (raw keep-alive HTTP/1.1 over node:net) in its own process; each server in its own ` +
      `process; Redis ${c.redisUrl ? 'real' : 'absent (in-process)'}; servers with NODE_ENV=${BENCH_NODE_ENV}, the product with LOG_LEVEL=warn.`,
    '',
    '### Targets (SPEC section 13)',
    '',
    ...v,
    '',
    '### Figures',
    '',
    pg
      ? `pgbench (${pg.version.replace(/^pgbench \(PostgreSQL\) /, 'PostgreSQL ')}), the 4-row transaction of the bare ` +
        `baseline, ${pg.clients} clients, -M prepared: **${fmtInt(pg.tps)} tps**, latency p50 ${fmtMs(pg.latency.p50)} ms, ` +
        `p99 ${fmtMs(pg.latency.p99)} ms, max ${fmtMs(pg.latency.max)} ms, ${pg.failed} failed.`
      : 'pgbench: not run.',
    b.pgbenchSerial
      ? `Commit latency floor (pgbench, 1 client, same transaction): ${fmtInt(b.pgbenchSerial.tps)} tps, p50 ` +
        `${fmtMs(b.pgbenchSerial.latency.p50)} ms, p99 ${fmtMs(b.pgbenchSerial.latency.p99)} ms, max ` +
        `${fmtMs(b.pgbenchSerial.latency.max)} ms: each authorization is at least one commit (its own transaction; the outbox ` +
        `relay commits separately), synchronous_commit on, so this is the floor under its latency.`
      : '',
    '',
    measurementTable(rows),
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
  const raw = join(outDir, `authorize-card-${ctx.machine.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    raw,
    JSON.stringify({ machine: ctx.machine, config: c, baselines: b, product: p, verdicts: v }, null, 2),
  );
  console.log(`raw results: ${raw}`);
  if (c.writeResults) {
    await writeResultsSection('authorize-card', md);
    console.log('bench/RESULTS.md updated (section authorize-card).');
  }
  if (p.check && !p.check.passed) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
