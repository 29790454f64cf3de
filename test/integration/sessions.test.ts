import { print, type DocumentNode } from 'graphql';
import type { Client } from 'graphql-ws';
import {
  MeDocument,
  NotificationReceivedDocument,
  RevealCardDocument,
  SignInDocument,
  SignOutDocument,
} from '../generated/contract';
import { openCreditLine, signUp, type SignedUp } from '../support/fixtures';
import { listen, subscribe, waitFor } from '../support/live';
import { itNeeds, REDIS } from '../support/needs';
import { ok, startTestServer, type TestServer } from '../support/server';
import { expiryOf, resigned } from '../support/tokens';

/** The close code of the client's next socket close. */
const nextClose = (client: Client): Promise<number> =>
  new Promise((resolve) => {
    const off = client.on('closed', (event) => {
      off();
      resolve((event as { code: number }).code);
    });
  });

/** One query or mutation over the socket: its result, or the close that ended it. */
function run<T>(client: Client, doc: DocumentNode, variables?: Record<string, unknown>) {
  return new Promise<{ data?: T | null; errors?: unknown[]; closed?: number }>((resolve) => {
    client.subscribe<T>(
      { query: print(doc), variables },
      {
        next: (v) => resolve(v as never),
        error: (e) =>
          resolve(
            Array.isArray(e) ? { errors: e } : { closed: (e as { code?: number }).code ?? -1, errors: [e] },
          ),
        complete: () => undefined,
      },
    );
  });
}

/** Holds the (lazy) client's socket open, as a dashboard's subscription would. */
const keepOpen = (client: Client) => subscribe(client, NotificationReceivedDocument, {});

const signInAgain = async (s: TestServer, u: SignedUp) =>
  ok(await s.gql(SignInDocument, { input: { email: u.email, password: 'correct horse' } })).signIn;

// SPEC section 2: a WebSocket is bound to its access token. Before, a socket whose token had
// expired or whose session had signed out kept answering, revealing the PAN and CVV.
describe('a WebSocket closes (4401) when its access token expires', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  /** The user's access token signed again to expire in 2 seconds: the socket's close is awaited, not slept for. */
  const shortLived = (u: SignedUp) =>
    resigned(s.app.services.config.secrets.jwt, u.accessToken, Math.floor(Date.now() / 1000) + 2);
  afterAll(async () => {
    await s?.close();
  });

  it('is closed at the expiry, and the expired token cannot open another', async () => {
    const u = await signUp(s);
    const token = await shortLived(u);
    const client = s.ws(token);
    keepOpen(client);
    const closed = nextClose(client);
    const me = await run<{ me: { email: string } }>(client, MeDocument);
    expect(me.data!.me.email).toBe(u.email);
    expect(await closed).toBe(4401);
    expect(Date.now()).toBeGreaterThanOrEqual(expiryOf(token));
    // the same client reconnects with its (expired) token: refused, nothing answered
    const again = await run(client, MeDocument);
    expect(again.data).toBeUndefined();
    expect(again.closed).toBe(4403);
  });

  it('a subscription on it ends with the close', async () => {
    const u = await signUp(s);
    const token = await shortLived(u);
    const sub = await listen(s, token, NotificationReceivedDocument, {});
    const ended = await sub.ended;
    expect((ended.error as { code: number }).code).toBe(4401);
    expect(Date.now()).toBeGreaterThanOrEqual(expiryOf(token));
  });
});

describe('a WebSocket closes (4401) when its session signs out', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('closes the sockets of that session only, and the card cannot be revealed over it', async () => {
    const u = await signUp(s);
    const { cardId } = await openCreditLine(s, u);
    const other = await signInAgain(s, u);
    const mine = s.ws(u.accessToken);
    const theirs = s.ws(other.accessToken!);
    keepOpen(mine);
    keepOpen(theirs);
    expect(
      (await run<{ revealCard: { pan: string } }>(mine, RevealCardDocument, { input: { cardId } })).data!
        .revealCard.pan,
    ).toMatch(/^\d{16}$/);
    expect((await run(theirs, MeDocument)).data).toBeTruthy();
    const closed = nextClose(mine);
    let theirsClosed = false;
    theirs.on('closed', () => (theirsClosed = true));

    ok(await s.gql(SignOutDocument, {}, { token: u.accessToken }));
    expect(await closed).toBe(4401);
    // a new attempt with the signed-out token is refused before anything runs
    const reveal = await run<{ revealCard: { pan: string | null } }>(mine, RevealCardDocument, {
      input: { cardId },
    });
    expect(reveal.data).toBeUndefined();
    expect(reveal.closed).toBe(4403);
    // the user's other session keeps its socket
    const still = await run<{ me: { email: string } }>(theirs, MeDocument);
    expect(still.data!.me.email).toBe(u.email);
    expect(theirsClosed).toBe(false);
  });

  it('refuses a signed-out token in connection_init', async () => {
    const u = await signUp(s);
    ok(await s.gql(SignOutDocument, {}, { token: u.accessToken }));
    const res = await run(s.ws(u.accessToken), MeDocument);
    expect(res.closed).toBe(4403);
  });
});

describe('sign-out across instances', () => {
  itNeeds(REDIS, 'a sign-out on one instance closes the session’s sockets on another (Redis)', async () => {
    const a = await startTestServer();
    const b = await startTestServer({ database: a.databaseUrl, redisPrefix: a.redisPrefix });
    try {
      const u = await signUp(a);
      const client = b.ws(u.accessToken);
      const sub = subscribe(client, NotificationReceivedDocument, {});
      await waitFor(() => b.app.services.live.openStreams > 0, 5000, 'the subscription on b');
      const closed = nextClose(client);
      ok(await a.gql(SignOutDocument, {}, { token: u.accessToken }));
      expect(await closed).toBe(4401);
      expect(((await sub.ended).error as { code: number }).code).toBe(4401);
      const me = await b.gql(MeDocument, {}, { token: u.accessToken });
      expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await b.close();
      await a.close();
    }
  });

  // Without a shared bus the announcement cannot reach the other instance: every operation
  // still checks the session against the database they share.
  it('an instance that missed the announcement refuses the next operation and closes the socket', async () => {
    const a = await startTestServer({ redisUrl: null });
    const b = await startTestServer({ database: a.databaseUrl, redisUrl: null });
    try {
      const u = await signUp(a);
      const { cardId } = await openCreditLine(a, u);
      const client = b.ws(u.accessToken);
      keepOpen(client);
      expect((await run<{ me: { email: string } }>(client, MeDocument)).data!.me.email).toBe(u.email);
      ok(await a.gql(SignOutDocument, {}, { token: u.accessToken }));

      const closed = nextClose(client);
      const reveal = await run<{ revealCard: { pan: string | null; cvv: string | null } }>(
        client,
        RevealCardDocument,
        { input: { cardId } },
      );
      expect(reveal.data ?? null).toBeNull();
      expect(JSON.stringify(reveal)).not.toMatch(/"pan"|"cvv"/);
      expect(await closed).toBe(4401);
      // and over HTTP on that instance
      const me = await b.gql(MeDocument, {}, { token: u.accessToken });
      expect(me.status).toBe(401);
      expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await b.close();
      await a.close();
    }
  });
});
