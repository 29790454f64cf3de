import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConfirmCheckoutDocument,
  CreateCheckoutDocument,
  RefundCheckoutDocument,
  RegisterWebhookDocument,
} from '../generated/contract';
import { createTestDatabase } from '../support/databases';
import { openCreditLine, signUp, type SignedUp } from '../support/fixtures';
import { waitFor } from '../support/live';
import { startServerProcess, type ServerProcess } from '../support/process';
import { ok, SECRETS, startTestServer, type TestServer } from '../support/server';

/**
 * Webhooks (SPEC section 8), as a merchant sees them: real GraphQL requests against a real
 * server, and a real HTTP receiver on 127.0.0.1 that records every POST byte for byte. The
 * worker runs on the server's own scheduler (every WEBHOOK_POLL_MS); small timings keep it fast.
 */
const FAST = { WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_BASE_MS: '100', WEBHOOK_TIMEOUT_MS: '1000' };
/**
 * Server processes wait longer for an answer, so the kill surely lands while the POST is
 * unanswered (not after a timeout was recorded); the lease is then 2 × 2500 + 1000 ms.
 */
const PROCESS_TIMEOUT = { WEBHOOK_TIMEOUT_MS: '2500' };

// ---- the receiver

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  at: number;
}

/** Answers one received POST: write a response, or leave it hanging (the socket is closed with the receiver). */
type Respond = (r: Received, res: ServerResponse, index: number) => void;
const answer =
  (status: number): Respond =>
  (_r, res) =>
    res.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));

interface Receiver {
  url(path?: string): string;
  got: Received[];
  respond: Respond;
  close(): Promise<void>;
}

async function startReceiver(respond: Respond = answer(200)): Promise<Receiver> {
  const got: Received[] = [];
  const receiver: Receiver = {
    url: () => '',
    got,
    respond,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        path: req.url ?? '',
        headers: req.headers,
        raw: Buffer.concat(chunks),
        at: Date.now(),
      };
      got.push(r);
      receiver.respond(r, res, got.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = (path = '/hooks') => `http://127.0.0.1:${port}${path}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

interface Event {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}
const bodyOf = (r: Received) => JSON.parse(r.raw.toString('utf8')) as Event;

/**
 * What a receiver does with `X-Signature: t=…,v1=…`: HMAC-SHA256 of "<t>.<raw body>" keyed by
 * the signing secret, compared in constant time. Returns the timestamp and whether it verified.
 */
function verifySignature(secret: string, r: Received): { t: number; valid: boolean } {
  const header = String(r.headers['x-signature'] ?? '');
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
  if (!m) return { t: NaN, valid: false };
  const expected = createHmac('sha256', secret).update(`${m[1]}.`).update(r.raw).digest();
  return { t: Number(m[1]), valid: timingSafeEqual(expected, Buffer.from(m[2]!, 'hex')) };
}

// ---- the API, as a merchant and a shopper call it

/** Sends GraphQL like a TestServer (a server process has the same `gql`). */
type Api = Pick<TestServer, 'gql'>;

const WEBHOOKS = `query Webhooks {
  webhooks {
    id url events removedAt
    deliveries(first: 50) {
      edges { node { id eventId type status attemptCount lastStatusCode attempts { at statusCode error durationMs } } }
    }
  }
}`;

interface Attempt {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}
interface Delivery {
  id: string;
  eventId: string;
  type: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attemptCount: number;
  lastStatusCode: number | null;
  attempts: Attempt[];
}
interface Webhook {
  id: string;
  url: string;
  events: string[];
  removedAt: string | null;
  deliveries: { edges: { node: Delivery }[] };
}

async function webhooks(s: Api, m: SignedUp): Promise<Webhook[]> {
  return ok(await s.gql<{ webhooks: Webhook[] }>(WEBHOOKS, {}, { token: m.accessToken })).webhooks;
}

/** The deliveries of the merchant's webhook at `url`. */
async function deliveries(s: Api, m: SignedUp, url: string): Promise<Delivery[]> {
  const w = (await webhooks(s, m)).find((x) => x.url === url);
  if (!w) throw new Error(`no webhook at ${url}`);
  return w.deliveries.edges.map((e) => e.node);
}

async function register(s: Api, m: SignedUp, url: string, events: string[]) {
  const r = ok(
    await s.gql(RegisterWebhookDocument, { input: { url, events } }, { token: m.accessToken }),
  ).registerWebhook;
  if (r.userErrors.length) throw new Error(JSON.stringify(r.userErrors));
  return { webhook: r.webhook!, secret: r.signingSecret! };
}

const merchant = (s: Api, name = 'Acme Outdoor') => signUp(s as TestServer, { roles: ['MERCHANT'], name });

async function shopper(s: Api): Promise<SignedUp> {
  const u = await signUp(s as TestServer);
  await openCreditLine(s as TestServer, u, '1000.00');
  return u;
}

/** A checkout created by `m` and confirmed by `u` (pay in 4): `checkout.completed` is owed. Returns its id. */
async function completedCheckout(s: Api, m: SignedUp, u: SignedUp, amount = '100.00'): Promise<string> {
  const key = randomUUID();
  const created = ok(
    await s.gql(
      CreateCheckoutDocument,
      { input: { amount, orderReference: `order-${key}`, description: 'Tent', idempotencyKey: key } },
      { token: m.accessToken },
    ),
  ).createCheckout;
  expect(created.userErrors).toEqual([]);
  const id = created.checkout!.id;
  const confirmed = ok(
    await s.gql(
      ConfirmCheckoutDocument,
      { input: { checkoutId: id, plan: 'PAY_IN_4', idempotencyKey: randomUUID() } },
      { token: u.accessToken },
    ),
  ).confirmCheckout;
  expect(confirmed.userErrors).toEqual([]);
  expect(confirmed.checkout!.status).toBe('COMPLETED');
  return id;
}

/** Waits for `n` more passes of the server's webhook worker (50 ms apart here): what it would send, it has. */
async function workerPasses(s: TestServer, n: number): Promise<void> {
  const target = s.app.jobs.runsFinished('webhooks') + n;
  await waitFor(() => s.app.jobs.runsFinished('webhooks') >= target, 10_000, `${n} webhook worker passes`);
}

// ---- one in-process server for delivery, retries, isolation and validation

describe('webhooks on a running server', () => {
  let s: TestServer;
  const receivers: Receiver[] = [];
  const receiver = async (respond?: Respond) => {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  };
  beforeAll(async () => {
    s = await startTestServer({ env: FAST });
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await s?.close();
  });

  it('delivers checkout.completed once, signed with the secret shown at registration, and shows it DELIVERED', async () => {
    const rx = await receiver();
    const m = await merchant(s);
    const u = await shopper(s);
    const { webhook, secret } = await register(s, m, rx.url(), ['checkout.completed']);
    expect(secret).toMatch(/^whsec_/);
    expect(webhook).toMatchObject({ url: rx.url(), events: ['checkout.completed'] });

    const checkoutId = await completedCheckout(s, m, u);
    await waitFor(() => rx.got.length >= 1, 5000, 'the POST');
    await waitFor(
      async () => (await deliveries(s, m, rx.url()))[0]?.status === 'DELIVERED',
      5000,
      'the delivery to show DELIVERED',
    );
    await workerPasses(s, 6); // nothing else is sent
    expect(rx.got).toHaveLength(1);

    const [post] = rx.got;
    expect(post!.path).toBe('/hooks');
    expect(post!.headers['content-type']).toMatch(/^application\/json/);
    const sig = verifySignature(secret, post!);
    expect(sig.valid).toBe(true);
    expect(Math.abs(sig.t - post!.at / 1000)).toBeLessThan(5);
    // The wrong secret does not verify (the check above is not vacuous).
    expect(verifySignature(`${secret}x`, post!).valid).toBe(false);

    const body = bodyOf(post!);
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
    expect(body.type).toBe('checkout.completed');
    expect(new Date(body.createdAt).toISOString()).toBe(body.createdAt);
    expect(body.data).toMatchObject({
      id: checkoutId,
      status: 'COMPLETED',
      amount: { amount: '100.00', currency: 'USD' },
    });
    expect(post!.headers['x-webhook-id']).toBe(body.id);

    const list = await deliveries(s, m, rx.url());
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      eventId: body.id,
      type: 'checkout.completed',
      status: 'DELIVERED',
      attemptCount: 1,
      lastStatusCode: 200,
    });
    expect(list[0]!.attempts).toHaveLength(1);
    expect(list[0]!.attempts[0]).toMatchObject({ statusCode: 200, error: null });
    expect(list[0]!.attempts[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('retries a failing receiver with backoff: same id and bytes, each signed, every attempt shown', async () => {
    const statuses = [500, 500, 200];
    const rx = await receiver((r, res, i) => answer(statuses[i] ?? 200)(r, res, i));
    const m = await merchant(s);
    const u = await shopper(s);
    const { secret } = await register(s, m, rx.url(), ['checkout.completed']);

    const checkoutId = await completedCheckout(s, m, u);
    await waitFor(() => rx.got.length >= 3, 8000, 'three POSTs');
    await waitFor(
      async () => (await deliveries(s, m, rx.url()))[0]?.status === 'DELIVERED',
      5000,
      'the delivery to show DELIVERED',
    );
    await workerPasses(s, 6);
    expect(rx.got).toHaveLength(3);

    const [first, ...rest] = rx.got;
    for (const post of rx.got) {
      expect(verifySignature(secret, post).valid).toBe(true);
      expect(post.headers['x-webhook-id']).toBe(bodyOf(first!).id);
    }
    for (const post of rest) expect(post.raw.equals(first!.raw)).toBe(true);
    expect(bodyOf(first!).data).toMatchObject({ id: checkoutId, status: 'COMPLETED' });
    // Backoff: at least half the base (100 ms) before the 2nd, half of twice the base before the 3rd.
    expect(rx.got[1]!.at - rx.got[0]!.at).toBeGreaterThanOrEqual(50);
    expect(rx.got[2]!.at - rx.got[1]!.at).toBeGreaterThanOrEqual(100);

    const list = await deliveries(s, m, rx.url());
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      eventId: bodyOf(first!).id,
      status: 'DELIVERED',
      attemptCount: 3,
      lastStatusCode: 200,
    });
    expect(list[0]!.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(list[0]!.attempts.map((a) => a.error)).toEqual([null, null, null]);
    const times = list[0]!.attempts.map((a) => Date.parse(a.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('shows an attempt that got no answer: connection failed, then timeout, then delivered', async () => {
    const rx = await receiver((r, res, i) => {
      if (i === 0)
        res.socket?.destroy(); // the connection drops before any answer
      else if (i >= 2) answer(200)(r, res, i); // i === 1: never answered; the sender gives up at 1 s
    });
    const m = await merchant(s);
    const u = await shopper(s);
    const { secret } = await register(s, m, rx.url(), ['checkout.completed']);

    await completedCheckout(s, m, u);
    await waitFor(
      async () => (await deliveries(s, m, rx.url()))[0]?.status === 'DELIVERED',
      8000,
      'the delivery to show DELIVERED',
    );
    await workerPasses(s, 6);
    expect(rx.got).toHaveLength(3);
    for (const post of rx.got) {
      expect(verifySignature(secret, post).valid).toBe(true);
      expect(post.raw.equals(rx.got[0]!.raw)).toBe(true);
    }

    const [delivery] = await deliveries(s, m, rx.url());
    expect(delivery).toMatchObject({ status: 'DELIVERED', attemptCount: 3, lastStatusCode: 200 });
    expect(delivery!.attempts.map((a) => [a.statusCode, a.error])).toEqual([
      [null, 'connection failed'],
      [null, 'timeout'],
      [200, null],
    ]);
    // The unanswered attempt lasted the timeout (WEBHOOK_TIMEOUT_MS = 1000), not much more.
    expect(delivery!.attempts[1]!.durationMs).toBeGreaterThanOrEqual(1000);
    expect(delivery!.attempts[1]!.durationMs).toBeLessThan(2000);
  });

  it('keeps merchants apart, and sends an endpoint only the events it chose', async () => {
    const rx = await receiver();
    const a = await merchant(s, 'Merchant A');
    const b = await merchant(s, 'Merchant B');
    const u = await shopper(s);
    const aHook = await register(s, a, rx.url('/a-completed'), ['checkout.completed']);
    const aRefunds = await register(s, a, rx.url('/a-refunded'), ['checkout.refunded']);
    const bHook = await register(s, b, rx.url('/b-completed'), ['checkout.completed']);

    const ids = (ws: Webhook[]) => ws.map((w) => w.id).sort();
    expect(ids(await webhooks(s, b))).toEqual([bHook.webhook.id]);
    expect(ids(await webhooks(s, a))).toEqual([aHook.webhook.id, aRefunds.webhook.id].sort());

    const checkoutId = await completedCheckout(s, a, u);
    await waitFor(
      async () => (await deliveries(s, a, rx.url('/a-completed')))[0]?.status === 'DELIVERED',
      5000,
      "A's checkout.completed to be delivered",
    );
    await workerPasses(s, 6);
    // Only A's checkout.completed endpoint got anything: not A's refunds-only one, not B's.
    expect(rx.got.map((r) => r.path)).toEqual(['/a-completed']);
    expect(bodyOf(rx.got[0]!).data).toMatchObject({ id: checkoutId });
    expect(await deliveries(s, a, rx.url('/a-refunded'))).toEqual([]);
    expect(await deliveries(s, b, rx.url('/b-completed'))).toEqual([]);
    expect(ids(await webhooks(s, b))).toEqual([bHook.webhook.id]);

    // The refunds-only endpoint does receive a refund (it was not simply broken).
    const refunded = ok(
      await s.gql(
        RefundCheckoutDocument,
        { input: { checkoutId, amount: '100.00', idempotencyKey: randomUUID() } },
        { token: a.accessToken },
      ),
    ).refundCheckout;
    expect(refunded.userErrors).toEqual([]);
    await waitFor(() => rx.got.some((r) => r.path === '/a-refunded'), 5000, 'the refund POST');
    const refundPost = rx.got.find((r) => r.path === '/a-refunded')!;
    expect(verifySignature(aRefunds.secret, refundPost).valid).toBe(true);
    // Each endpoint has its own secret.
    expect(verifySignature(aHook.secret, refundPost).valid).toBe(false);
    expect(bodyOf(refundPost)).toMatchObject({
      type: 'checkout.refunded',
      data: { id: checkoutId, status: 'REFUNDED' },
    });
    await workerPasses(s, 6);
    expect(rx.got.map((r) => r.path).sort()).toEqual(['/a-completed', '/a-refunded']);
  });

  it('refuses a bad URL or event list with userErrors and creates nothing; non-merchants are FORBIDDEN', async () => {
    const m = await merchant(s);
    const cases: [string, string[], string[]][] = [
      ['not a url', ['checkout.completed'], ['input', 'url']],
      ['ftp://example.com/hooks', ['checkout.completed'], ['input', 'url']],
      ['https://example.com/hooks', ['checkout.shipped'], ['input', 'events']],
      ['https://example.com/hooks', ['checkout.completed', 'nope'], ['input', 'events']],
      ['https://example.com/hooks', [], ['input', 'events']],
    ];
    for (const [url, events, field] of cases) {
      const r = ok(
        await s.gql(RegisterWebhookDocument, { input: { url, events } }, { token: m.accessToken }),
      ).registerWebhook;
      expect({ url, events, r }).toEqual({
        url,
        events,
        r: {
          webhook: null,
          signingSecret: null,
          userErrors: [{ field, code: 'INVALID_INPUT', message: expect.any(String) }],
        },
      });
    }
    expect(await webhooks(s, m)).toEqual([]);

    const borrower = await signUp(s, { roles: ['BORROWER'] });
    const refused = await s.gql(
      RegisterWebhookDocument,
      { input: { url: 'https://example.com/hooks', events: ['checkout.completed'] } },
      { token: borrower.accessToken },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(refused.data?.registerWebhook ?? null).toBeNull();
    const listed = await s.gql(WEBHOOKS, {}, { token: borrower.accessToken });
    expect(listed.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

// ---- durability: server processes on one database

describe('webhooks survive restarts', () => {
  let databaseUrl: string;
  let dropDb: () => Promise<void>;
  let rx: Receiver;
  const processes: ServerProcess[] = [];
  const processEnv = () => ({ DATABASE_URL: databaseUrl, ...SECRETS, ...FAST, ...PROCESS_TIMEOUT });
  const start = async () => {
    const p = await startServerProcess(processEnv());
    processes.push(p);
    return p;
  };

  beforeAll(async () => {
    const db = await createTestDatabase();
    databaseUrl = db.url;
    dropDb = db.drop;
    rx = await startReceiver();
  });
  afterAll(async () => {
    for (const p of processes) await p.kill();
    await rx?.close();
    await dropDb?.();
  });

  it('a webhook owed while no server runs is delivered after start; one killed mid-delivery is sent again with the same id', async () => {
    // Owed while no worker runs: an in-process server on this database whose worker never
    // looks (an hour between passes) makes the event, and is closed.
    const maker = await startTestServer({ database: databaseUrl, env: { WEBHOOK_POLL_MS: '3600000' } });
    let m: SignedUp, u: SignedUp, secret: string, firstCheckout: string;
    try {
      m = await merchant(maker);
      u = await shopper(maker);
      ({ secret } = await register(maker, m, rx.url(), ['checkout.completed']));
      firstCheckout = await completedCheckout(maker, m, u);
      expect((await deliveries(maker, m, rx.url())).map((d) => d.status)).toEqual(['PENDING']);
    } finally {
      await maker.close();
    }
    expect(rx.got).toHaveLength(0);

    // A server starts: the owed webhook is delivered.
    const a = await start();
    await waitFor(() => rx.got.length >= 1, 10_000, 'the owed webhook after start');
    const owed = rx.got[0]!;
    expect(verifySignature(secret, owed).valid).toBe(true);
    expect(bodyOf(owed)).toMatchObject({ type: 'checkout.completed', data: { id: firstCheckout } });
    await waitFor(
      async () => (await deliveries(a, m, rx.url()))[0]?.status === 'DELIVERED',
      5000,
      'the owed delivery to show DELIVERED',
    );

    // The receiver now holds every POST without answering; the next event's POST arrives and
    // the process is killed (SIGKILL: no graceful stop) while the attempt is in flight.
    rx.respond = () => undefined;
    const secondCheckout = await completedCheckout(a, m, u);
    await waitFor(() => rx.got.length >= 2, 5000, 'the POST of the second event');
    a.child.kill('SIGKILL');
    const exit = await a.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(rx.got).toHaveLength(2); // one POST of it, unanswered: the attempt was cut off
    const inFlight = rx.got[1]!;
    expect(bodyOf(inFlight)).toMatchObject({ type: 'checkout.completed', data: { id: secondCheckout } });
    rx.respond = answer(200);

    // A new process on the same database: once the dead worker's lease lapses, it sends the
    // same event again (same id, same bytes, freshly signed) and records it delivered.
    const b = await start();
    await waitFor(() => rx.got.length >= 3, 15_000, 'the event to be sent again after the restart');
    await waitFor(
      async () => (await deliveries(b, m, rx.url())).every((d) => d.status === 'DELIVERED'),
      5000,
      'both deliveries to show DELIVERED',
    );
    // Both deliveries are DELIVERED, and the worker sends only PENDING ones: nothing more comes.
    // At least once: the killed attempt had reached the receiver, so the receiver got that
    // event twice, with one id; de-duplicating by id, it saw exactly the two events, once each.
    expect(rx.got).toHaveLength(3);
    const again = rx.got[2]!;
    expect(verifySignature(secret, again).valid).toBe(true);
    expect(again.raw.equals(inFlight.raw)).toBe(true);
    expect(again.headers['x-webhook-id']).toBe(bodyOf(inFlight).id);
    const ids = rx.got.map((r) => bodyOf(r).id);
    expect(new Set(ids).size).toBe(2);
    expect(ids.filter((id) => id === bodyOf(inFlight).id)).toHaveLength(2);
    expect(ids.filter((id) => id === bodyOf(owed).id)).toHaveLength(1);

    const list = await deliveries(b, m, rx.url());
    const second = list.find((d) => d.eventId === bodyOf(inFlight).id)!;
    expect(second).toMatchObject({ status: 'DELIVERED', attemptCount: 2, lastStatusCode: 200 });
    // The killed attempt is shown too: no answer came, it was interrupted; then the 200.
    expect(second.attempts.map((x) => [x.statusCode, x.error])).toEqual([
      [null, 'interrupted'],
      [200, null],
    ]);
    expect(list.find((d) => d.eventId === bodyOf(owed).id)).toMatchObject({
      status: 'DELIVERED',
      attemptCount: 1,
    });
  }, 40_000);
});
