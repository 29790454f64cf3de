/**
 * SPEC section 13: 10,000 concurrent subscribers on one instance; publish-to-receipt p99
 * within 1.25× of the same run's raw broadcast of one pre-serialised message to the same
 * sockets, and at most 25 KB of memory per idle socket. See bench/README.md ("Fan-out").
 *
 * 1. The product (its own process, NODE_ENV=production) with one MARKETPLACE listing, and
 *    BENCH_FANOUT_USERS investors whose tokens the sockets use in turn.
 * 2. BENCH_FANOUT_SOCKETS graphql-ws sockets opened and authenticated by BENCH_FANOUT_WORKERS
 *    client processes (bench/lib/ws-clients.ts); the server's memory (after a full GC) before
 *    and after: memory per idle socket. Then every socket subscribes to
 *    `listingFundingChanged(listingId)` (the contract's document): memory per subscription.
 * 3. BENCH_FANOUT_EVENTS investments of $25 in the listing, one every BENCH_FANOUT_INTERVAL_MS:
 *    each is one event. Publish time = when the relay's message reaches Redis subscribers
 *    (the bench's own subscriber on the same channel as the product's); receipt = when a
 *    client's `message` handler runs; both CLOCK_MONOTONIC (`process.hrtime`), one clock for
 *    every process on the machine.
 * 4. The raw broadcast baseline (bench/baseline/raw-broadcast.ts): a plain `ws` server, the
 *    same number of sockets from the same client processes, the same number of events at the
 *    same interval, each a message of the product's size published on Redis by the bench and
 *    broadcast as one pre-serialised Buffer; same measurement.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { report as cpuReport, snapshot, waitQuiet, type CpuGroups, type CpuReport } from './lib/cpu';
import { contractOperation, gql, must } from './lib/graphql';
import { envNumber, machineLine, writeResultsSection } from './lib/report';
import { BENCH_NODE_ENV, spawnServer, type ChildServer } from './lib/servers';
import { fmtInt, fmtMs, summarize, type LatencySummary } from './lib/stats';
import { signUp, startProduct, withBenchEnvironment, type BenchContext } from './lib/suite';
import type { ClientCommand, ClientReply } from './lib/ws-clients';

const SOCKETS = envNumber('BENCH_FANOUT_SOCKETS', 10_000);
const EVENTS = envNumber('BENCH_FANOUT_EVENTS', 20);
const INTERVAL_MS = envNumber('BENCH_FANOUT_INTERVAL_MS', 500);
const WORKERS = Math.round(envNumber('BENCH_FANOUT_WORKERS', 2));
const ROUNDS = Math.round(envNumber('BENCH_FANOUT_ROUNDS', 2));
const USERS = Math.round(envNumber('BENCH_FANOUT_USERS', 100));
const CONNECT_CONCURRENCY = Math.round(envNumber('BENCH_FANOUT_CONNECT_CONCURRENCY', 100));
/** How long after the last event the clients may still receive before the rest count as missing. */
const DRAIN_MS = 15_000;

/** CLOCK_MONOTONIC in ms: one clock for every process on this machine. */
const now = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The soft limit on open files of this process (its children inherit it). */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return Infinity;
  }
}

/** One client process: commands in, one reply per command. */
class ClientWorker {
  private readonly child: ChildProcess;
  private readonly replies: ((m: ClientReply) => void)[] = [];

  constructor(readonly index: number) {
    this.child = fork(join(__dirname, 'lib', 'ws-clients.ts'), [], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.child.on('message', (m: ClientReply) => this.replies.shift()?.(m));
  }

  get pid(): number {
    return this.child.pid!;
  }

  run<T extends ClientCommand['type']>(
    c: Extract<ClientCommand, { type: T }>,
  ): Promise<Extract<ClientReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.replies.push((m) =>
        m.type === 'error'
          ? reject(new Error(`client worker ${this.index}: ${m.message}`))
          : resolve(m as never),
      );
      this.child.send(c);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    await this.run({ type: 'close' }).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Publish times by cursor, heard on a Redis channel. */
async function listenForPublishes(url: string, channel: string) {
  const published = new Map<string, number>();
  const sub = new Redis(url);
  sub.on('error', () => undefined);
  sub.on('message', (_c: string, message: string) => {
    const at = now();
    const { cursor } = JSON.parse(message) as { cursor: string };
    published.set(cursor, at);
  });
  await sub.subscribe(channel);
  return { published, close: () => sub.disconnect() };
}

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

interface Memory {
  rss: number;
  heapUsed: number;
}

interface PhaseResult {
  name: string;
  sockets: number;
  connectMs: number;
  connectFailed: number;
  firstConnectError: string | null;
  memory: { before: Memory; idle: Memory; subscribed?: Memory };
  events: number;
  deliveries: number;
  missing: number;
  latency: LatencySummary;
  /** Per event: p50 / p99 / max of its deliveries. */
  perEvent: { cursor: string; count: number; p50: number; p99: number; max: number }[];
  messageBytes: number;
  cpu: CpuReport;
  executions?: number;
  messages?: number;
  other: string[];
}

const mem = (m: NodeJS.MemoryUsage): Memory => ({ rss: m.rss, heapUsed: m.heapUsed });

/** Opens `SOCKETS` sockets spread over the workers; resolves with the time it took and the failures. */
async function connectAll(
  workers: ClientWorker[],
  url: string,
  protocol: 'graphql-ws' | 'raw',
  tokens: string[],
) {
  const t0 = performance.now();
  const per = Math.ceil(SOCKETS / workers.length);
  const replies = await Promise.all(
    workers.map((w, i) =>
      w.run({
        type: 'connect',
        url: url.replace(/^http/, 'ws'),
        protocol,
        tokens,
        count: Math.min(per, SOCKETS - i * per),
        concurrency: Math.max(1, Math.round(CONNECT_CONCURRENCY / workers.length)),
        // Each phase and worker from its own 127.x source range: no port runs out across runs.
        net: 10 + i + (protocol === 'raw' ? 100 : 0),
      }),
    ),
  );
  return {
    ms: performance.now() - t0,
    connected: replies.reduce((a, r) => a + r.connected, 0),
    failed: replies.reduce((a, r) => a + r.failed, 0),
    firstError: replies.find((r) => r.firstError)?.firstError ?? null,
  };
}

/** Latencies of every delivery of the given cursors, and what never arrived. */
async function collect(workers: ClientWorker[], published: Map<string, number>) {
  const reports = await Promise.all(workers.map((w) => w.run({ type: 'report' })));
  const all: number[] = [];
  const perEvent: PhaseResult['perEvent'] = [];
  let deliveries = 0;
  for (const [cursor, at] of published) {
    const lat = reports.flatMap((r) => r.receipts[cursor] ?? []).map((t) => t - at);
    deliveries += lat.length;
    all.push(...lat);
    const s = summarize(lat);
    perEvent.push({ cursor, count: lat.length, p50: s.p50, p99: s.p99, max: s.max });
  }
  const bytes = reports.flatMap((r) => r.bytes).sort((x, y) => x - y);
  return {
    latency: summarize(all),
    deliveries,
    perEvent,
    messageBytes: bytes[Math.floor(bytes.length / 2)] ?? 0,
    other: reports.flatMap((r) => r.other).slice(0, 5),
  };
}

/** Waits until `events` cursors were published after `seen` and each reached `sockets` sockets, or DRAIN_MS. */
async function drain(
  workers: ClientWorker[],
  published: Map<string, number>,
  seen: Set<string>,
  events: number,
  sockets: number,
): Promise<string[]> {
  const end = Date.now() + DRAIN_MS;
  const fresh = () => [...published.keys()].filter((c) => !seen.has(c));
  for (;;) {
    const cursors = fresh();
    if (cursors.length >= events) {
      const reports = await Promise.all(workers.map((w) => w.run({ type: 'report' })));
      const low = cursors.some(
        (c) => reports.reduce((n, r) => n + (r.receipts[c]?.length ?? 0), 0) < sockets,
      );
      if (!low) return cursors;
    }
    if (Date.now() > end) return cursors;
    await sleep(250);
  }
}

/** A prime borrower's accepted MARKETPLACE loan: its listing's id. */
async function listing(url: string): Promise<string> {
  const borrower = await signUp(url, { name: 'Fan-out Borrower' });
  const submitted = must(
    await gql<{ submitApplication: { application: { id: string; status: string } | null } }>(
      url,
      contractOperation('applications.graphql', 'SubmitApplication'),
      {
        input: {
          product: 'PERSONAL_LOAN',
          amount: '5000.00',
          termMonths: 36,
          purpose: 'fan-out bench',
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
      },
      borrower.accessToken,
    ),
    'submitApplication',
  ).submitApplication.application!;
  const accepted = must(
    await gql<{ acceptOffer: { account: { id: string } | null; userErrors: unknown[] } }>(
      url,
      contractOperation('applications.graphql', 'AcceptOffer'),
      { input: { applicationId: submitted.id, funding: 'MARKETPLACE' } },
      borrower.accessToken,
    ),
    'acceptOffer',
  ).acceptOffer;
  if (!accepted.account) throw new Error(`acceptOffer: ${JSON.stringify(accepted.userErrors)}`);
  const account = must(
    await gql<{ account: { listing: { id: string; status: string } | null } | null }>(
      url,
      'query($id: ID!) { account(id: $id) { listing { id status } } }',
      { id: accepted.account.id },
      borrower.accessToken,
    ),
    'account listing',
  ).account;
  if (!account?.listing || account.listing.status !== 'OPEN') throw new Error('the loan has no OPEN listing');
  return account.listing.id;
}

/** `count` events, one every INTERVAL_MS, each from `fire(i)`. */
async function paced(count: number, fire: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const due = start + i * INTERVAL_MS;
    if (due > performance.now()) await sleep(due - performance.now());
    await fire(i);
  }
}

/** Averages CPU reports of windows of similar length. */
function meanCpu(reports: CpuReport[]): CpuReport {
  const avg = (f: (r: CpuReport) => number) => reports.reduce((a, r) => a + f(r), 0) / reports.length;
  const names = new Set(reports.flatMap((r) => Object.keys(r.groups)));
  return {
    machinePct: avg((r) => r.machinePct),
    stealPct: avg((r) => r.stealPct),
    cores: reports[0]?.cores ?? 0,
    groups: Object.fromEntries([...names].map((n) => [n, avg((r) => r.groups[n] ?? 0)])),
    otherPct: avg((r) => r.otherPct),
  };
}

/**
 * Both servers up, every socket open, then ROUNDS rounds of (EVENTS / ROUNDS product events,
 * then as many raw broadcasts): drift on a shared machine hits both alike.
 */
async function run(ctx: BenchContext) {
  const redisUrl = ctx.config.redisUrl!;
  const rawChannel = `${ctx.redisPrefix}raw`;
  const product = await startProduct(ctx);
  const raw: ChildServer = await spawnServer(
    'raw broadcast',
    join(__dirname, 'baseline', 'raw-broadcast.ts'),
    {
      NODE_ENV: BENCH_NODE_ENV,
      BENCH_REDIS_URL: redisUrl,
      BENCH_RAW_CHANNEL: rawChannel,
    },
  );
  const workers = Array.from({ length: WORKERS }, (_, i) => new ClientWorker(i));
  const productPubs = await listenForPublishes(redisUrl, `${ctx.redisPrefix}events:listingFundingChanged`);
  const rawPubs = await listenForPublishes(redisUrl, rawChannel);
  const publisher = new Redis(redisUrl);
  publisher.on('error', () => undefined);
  try {
    console.log(`set-up: a listing, one investor with cash, ${USERS} watching investors…`);
    const listingId = await listing(product.url);
    const investor = await signUp(product.url, { roles: ['INVESTOR'], name: 'Fan-out Investor' });
    must(
      await gql(
        product.url,
        contractOperation('marketplace.graphql', 'DepositCash'),
        { input: { amount: `${25 * EVENTS + 100}.00`, idempotencyKey: randomUUID() } },
        investor.accessToken,
      ),
      'depositCash',
    );
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, USERS - i) }, () => signUp(product.url, { roles: ['INVESTOR'] })),
      );
      tokens.push(...batch.map((u) => u.accessToken));
    }

    const productBefore = mem(await product.memory());
    console.log(
      `connecting ${fmtInt(SOCKETS)} graphql-ws sockets (connection_init with a token) from ${WORKERS} client process(es)…`,
    );
    const conn = await connectAll(workers, product.url, 'graphql-ws', tokens);
    console.log(
      `  ${fmtInt(conn.connected)} acknowledged in ${(conn.ms / 1000).toFixed(1)} s, ${conn.failed} failed`,
    );
    await waitQuiet({ pids: { server: [product.pid] } }, { maxPct: 15, timeoutMs: 20_000 });
    const productIdle = mem(await product.memory());
    const query = contractOperation('subscriptions.graphql', 'ListingFundingChanged');
    await Promise.all(workers.map((w) => w.run({ type: 'subscribe', query, variables: { listingId } })));
    const t0 = Date.now();
    while ((await metricValue(product.url, 'graphql_subscriptions_open')) < conn.connected) {
      if (Date.now() - t0 > 120_000) throw new Error('the subscriptions did not all start within 120 s');
      await sleep(250);
    }
    console.log(
      `  ${fmtInt(conn.connected)} subscriptions listening after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    const productSubscribed = mem(await product.memory());

    const rawBefore = mem(await raw.memory());
    console.log(`raw broadcast: connecting ${fmtInt(SOCKETS)} plain WebSockets…`);
    const rawConn = await connectAll(workers, raw.url, 'raw', ['-']);
    console.log(
      `  ${fmtInt(rawConn.connected)} open in ${(rawConn.ms / 1000).toFixed(1)} s, ${rawConn.failed} failed`,
    );
    const rawIdle = mem(await raw.memory());

    const groups = (server: ChildServer): CpuGroups => ({
      pids: { server: [server.pid], clients: [process.pid, ...workers.map((w) => w.pid)] },
      comms: { postgres: ['postgres'], redis: ['redis-server'] },
    });
    const cpu = { product: [] as CpuReport[], raw: [] as CpuReport[] };
    const seen = { product: new Set<string>(), raw: new Set<string>() };
    const e0 = await metricValue(product.url, 'graphql_subscription_executions_total');
    const m0 = await metricValue(product.url, 'graphql_subscription_messages_total');
    let bytes = 0;
    let rawSeq = 1_000_000;
    const perRound = Math.max(1, Math.round(EVENTS / ROUNDS));
    for (let round = 1; round <= ROUNDS; round++) {
      await waitQuiet(groups(product), { maxPct: 15, timeoutMs: 20_000 });
      console.log(
        `round ${round}/${ROUNDS}: product, ${perRound} investments of $25, one every ${INTERVAL_MS} ms…`,
      );
      let c0 = snapshot(groups(product));
      // BENCH_FANOUT_PROFILE=1: V8 CPU profiles of the server's product rounds, in bench/out/profiles.
      const profiled = <T>(during: () => Promise<T>) =>
        process.env.BENCH_FANOUT_PROFILE === '1'
          ? product.profile(
              join(__dirname, 'out', 'profiles', `fan-out-${round}-${Date.now()}.cpuprofile`),
              during,
            )
          : during();
      const drained = await profiled(() =>
        paced(perRound, async () => {
          const r = must(
            await gql<{ invest: { userErrors: unknown[] } }>(
              product.url,
              contractOperation('marketplace.graphql', 'Invest'),
              { input: { listingId, amount: '25.00', idempotencyKey: randomUUID() } },
              investor.accessToken,
            ),
            'invest',
          );
          if (r.invest.userErrors.length) throw new Error(`invest: ${JSON.stringify(r.invest.userErrors)}`);
        }).then(() => drain(workers, productPubs.published, seen.product, perRound, conn.connected)),
      );
      for (const c of drained) seen.product.add(c);
      cpu.product.push(cpuReport(c0, snapshot(groups(product))));
      bytes ||= (await collect(workers, productPubs.published)).messageBytes || 300;

      await waitQuiet(groups(raw), { maxPct: 15, timeoutMs: 20_000 });
      console.log(
        `round ${round}/${ROUNDS}: raw broadcast, ${perRound} messages of ${bytes} bytes, one every ${INTERVAL_MS} ms…`,
      );
      c0 = snapshot(groups(raw));
      await paced(perRound, async () => {
        await publisher.publish(rawChannel, JSON.stringify({ cursor: String(rawSeq++), bytes }));
      });
      for (const c of await drain(workers, rawPubs.published, seen.raw, perRound, rawConn.connected))
        seen.raw.add(c);
      cpu.raw.push(cpuReport(c0, snapshot(groups(raw))));
    }
    const executions = (await metricValue(product.url, 'graphql_subscription_executions_total')) - e0;
    const messages = (await metricValue(product.url, 'graphql_subscription_messages_total')) - m0;
    const p = await collect(workers, productPubs.published);
    const r = await collect(workers, rawPubs.published);
    const phase = (
      name: string,
      c: typeof conn,
      got: typeof p,
      published: Map<string, number>,
      memory: PhaseResult['memory'],
      cpuReports: CpuReport[],
    ): PhaseResult => ({
      name,
      sockets: c.connected,
      connectMs: c.ms,
      connectFailed: c.failed,
      firstConnectError: c.firstError,
      memory,
      events: published.size,
      missing: published.size * c.connected - got.deliveries,
      cpu: meanCpu(cpuReports),
      ...got,
    });
    return {
      product: {
        ...phase(
          'product: graphql-ws, `listingFundingChanged(listingId)`',
          conn,
          p,
          productPubs.published,
          { before: productBefore, idle: productIdle, subscribed: productSubscribed },
          cpu.product,
        ),
        executions,
        messages,
      },
      raw: phase(
        'raw broadcast: plain `ws`, one pre-serialised Buffer',
        rawConn,
        r,
        rawPubs.published,
        { before: rawBefore, idle: rawIdle },
        cpu.raw,
      ),
    };
  } finally {
    productPubs.close();
    rawPubs.close();
    publisher.disconnect();
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all([product.stop(), raw.stop()]);
  }
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v)}%`);

function phaseRow(p: PhaseResult): string {
  const g = p.cpu.groups;
  return (
    `| ${p.name} | ${fmtInt(p.sockets)} | ${p.events} | ${fmtInt(p.deliveries)} | ${fmtInt(p.missing)} | ` +
    `${fmtMs(p.latency.p50)} | ${fmtMs(p.latency.p90)} | ${fmtMs(p.latency.p99)} | ${fmtMs(p.latency.max)} | ` +
    `${p.messageBytes} | ${pct(g.server)} / ${pct(g.clients)} / ${pct(g.postgres)} / ${pct(g.redis)} / ${pct(p.cpu.otherPct)} |`
  );
}

function memoryRows(p: PhaseResult): string[] {
  const n = p.sockets || 1;
  const rows = [
    `| ${p.name}: ${fmtInt(p.sockets)} idle sockets${p.memory.subscribed ? ' (authenticated)' : ''} | ` +
      `${mb(p.memory.idle.rss - p.memory.before.rss)} / ${mb(p.memory.idle.heapUsed - p.memory.before.heapUsed)} | ` +
      `**${kb((p.memory.idle.rss - p.memory.before.rss) / n)}** / ${kb((p.memory.idle.heapUsed - p.memory.before.heapUsed) / n)} |`,
  ];
  if (p.memory.subscribed) {
    rows.push(
      `| ${p.name}: then one subscription on each | ` +
        `${mb(p.memory.subscribed.rss - p.memory.idle.rss)} / ${mb(p.memory.subscribed.heapUsed - p.memory.idle.heapUsed)} | ` +
        `${kb((p.memory.subscribed.rss - p.memory.idle.rss) / n)} / ${kb((p.memory.subscribed.heapUsed - p.memory.idle.heapUsed) / n)} |`,
    );
  }
  return rows;
}

async function main(): Promise<void> {
  const limit = openFileLimit();
  const perWorker = Math.ceil(SOCKETS / WORKERS);
  // The server holds every socket; each client process its share of both servers' sockets.
  if (limit < SOCKETS + 500 || limit < 2 * perWorker + 500) {
    throw new Error(
      `open-file limit ${limit} is too low for ${SOCKETS} sockets over ${WORKERS} client processes ` +
        `(each holds ${2 * perWorker}): raise it (ulimit -n), add BENCH_FANOUT_WORKERS or lower BENCH_FANOUT_SOCKETS`,
    );
  }
  const result = await withBenchEnvironment('fan-out', async (ctx) => {
    if (!ctx.config.redisUrl)
      throw new Error('bench:fan-out needs Redis (BENCH_REDIS_URL): events reach the product through it');
    return { ctx, ...(await run(ctx)) };
  });

  const { ctx, product, raw } = result;
  const ratio = product.latency.p99 / raw.latency.p99;
  const perIdleKb = (product.memory.idle.rss - product.memory.before.rss) / product.sockets / 1024;
  const perIdleHeapKb =
    (product.memory.idle.heapUsed - product.memory.before.heapUsed) / product.sockets / 1024;
  const notes = [...ctx.notes];
  for (const p of [product, raw]) {
    if (p.connectFailed)
      notes.push(`${p.name}: ${p.connectFailed} sockets failed to connect (first: ${p.firstConnectError}).`);
    if (p.missing)
      notes.push(
        `${p.name}: ${fmtInt(p.missing)} deliveries missing ${DRAIN_MS / 1000} s after the last event.`,
      );
    if (p.events !== EVENTS) notes.push(`${p.name}: ${p.events} of ${EVENTS} events were heard published.`);
    if (p.other.length) notes.push(`${p.name}: other messages received, e.g. ${p.other[0]}`);
    if (p.cpu.otherPct > 15)
      notes.push(`${p.name}: processes outside the measurement used ${pct(p.cpu.otherPct)} of a core.`);
  }
  const md = [
    `## Fan-out: ${fmtInt(SOCKETS)} subscribers (\`bench/fan-out.ts\`)`,
    '',
    `Run ${ctx.machine.date}. Machine: ${machineLine(ctx.machine)}.`,
    '',
    `Settings: ${fmtInt(SOCKETS)} sockets on one server process (NODE_ENV=${BENCH_NODE_ENV}, LOG_LEVEL=warn), ` +
      `opened by ${WORKERS} client process(es) (\`bench/lib/ws-clients.ts\`, ${fmtInt(perWorker)} sockets each), ` +
      `${USERS} investors' tokens used in turn; every socket subscribed to the contract's ` +
      '`ListingFundingChanged($listingId)` on one OPEN listing; ' +
      `${EVENTS} events (an investment of $25 each, over HTTP), one every ${INTERVAL_MS} ms, in ${ROUNDS} rounds ` +
      'alternating with the raw broadcast (both servers up and all their sockets open throughout, so that drift on ' +
      'this shared machine hits both alike). Latency = client receipt − ' +
      'publication on Redis (heard by the bench on the same channel as the server), per socket and event. ' +
      'Raw broadcast: a plain `ws` server (`bench/baseline/raw-broadcast.ts`) that sends one pre-serialised Buffer ' +
      "of the product's message size to every socket for each message the bench publishes on Redis: as many " +
      'sockets from the same client processes, the same count and interval. Redis real; PostgreSQL local.',
    '',
    '### Targets (SPEC section 13)',
    '',
    `- publish-to-receipt p99: product / raw broadcast = ${fmtMs(product.latency.p99)} / ${fmtMs(raw.latency.p99)} ms = ` +
      `**${ratio.toFixed(2)}×** (target ≤ 1.25×): **${ratio <= 1.25 ? 'met' : 'not met'}**`,
    `- memory per idle authenticated socket: **${perIdleKb.toFixed(1)} KB** of RSS (${perIdleHeapKb.toFixed(1)} KB of JS heap) ` +
      `(target ≤ 25 KB): **${perIdleKb <= 25 ? 'met' : 'not met'}**`,
    `- executions of the subscription's selection during the events: ${fmtInt(product.executions ?? NaN)} for ` +
      `${product.events} events and ${fmtInt(product.messages ?? NaN)} messages sent (one execution and one ` +
      'serialisation per event, however many sockets)',
    '',
    '### Figures',
    '',
    '| measurement | sockets | events | deliveries | missing | p50 ms | p90 ms | p99 ms | max ms | message bytes | CPU server / clients / PG / Redis / other (% of a core) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    phaseRow(product),
    phaseRow(raw),
    '',
    'Per event, p99 ms (product / raw): ' +
      product.perEvent.map((e, i) => `${fmtMs(e.p99)} / ${fmtMs(raw.perEvent[i]?.p99)}`).join(', ') +
      '.',
    '',
    '| memory (server process, after a full GC) | Δ RSS / Δ heap used | per socket, KB (RSS / heap) |',
    '|---|---:|---:|',
    ...memoryRows(product),
    ...memoryRows(raw),
    '',
    `Connecting: the product ${fmtInt(product.sockets)} sockets (upgrade, connection_init, token and session check, ack) in ` +
      `${(product.connectMs / 1000).toFixed(1)} s; the raw server ${fmtInt(raw.sockets)} in ${(raw.connectMs / 1000).toFixed(1)} s. ` +
      'CPU columns are % of one core during the event window (2 cores in all, shared by everything).',
    '',
    '### Notes',
    '',
    ...(notes.length ? notes.map((n) => `- ${n}`) : ['- nothing odd detected.']),
  ].join('\n');

  console.log(`\n${md}\n`);
  const outDir = join(__dirname, 'out');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `fan-out-${ctx.machine.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { machine: ctx.machine, config: { SOCKETS, EVENTS, INTERVAL_MS, WORKERS, USERS }, product, raw },
      null,
      2,
    ),
  );
  console.log(`raw results: ${file}`);
  if (ctx.config.writeResults) {
    await writeResultsSection('fan-out', md);
    console.log('bench/RESULTS.md updated (section fan-out).');
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
