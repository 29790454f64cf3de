import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import { MeDocument, SignUpDocument } from '../generated/contract';
import { signUp, uniqueEmail } from '../support/fixtures';
import { Client as PgClient } from 'pg';
import { statementsMatching } from '../support/observe';
import { itNeeds, REDIS } from '../support/needs';
import { ok, startTestServer, type TestServer } from '../support/server';

/**
 * Issue 10, item 3: the fixed cost of a request. `me` is answered from the request's
 * session check (one statement that also reads the account), the unit of work and the
 * loaders are made only when used, and verified tokens are remembered; none of it may
 * change an answer.
 */
let s: TestServer;
let db: PgClient;
beforeAll(async () => {
  s = await startTestServer();
  db = new PgClient({ connectionString: s.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await s?.close();
});

/** One operation over a WebSocket: its result. */
const overSocket = <T>(client: Client, query: string) =>
  new Promise<{ data?: T | null; errors?: unknown }>((resolve, reject) => {
    client.subscribe<T>(
      { query },
      { next: (v) => resolve(v as never), error: reject, complete: () => undefined },
    );
  });

describe('me', () => {
  it('answers exactly what sign-up showed, over HTTP and over a WebSocket', async () => {
    const res = ok(
      await s.gql(SignUpDocument, {
        input: { email: uniqueEmail(), password: 'correct horse', name: 'Ada Lovelace', roles: ['INVESTOR'] },
      }),
    ).signUp;
    const shown = res.user!;
    const http = ok(await s.gql(MeDocument, {}, { token: res.accessToken })).me!;
    expect(http).toEqual({
      id: shown.id,
      email: shown.email,
      name: shown.name,
      roles: shown.roles,
      createdAt: shown.createdAt,
    });
    const ws = await overSocket<{ me: typeof http }>(s.ws(res.accessToken), print(MeDocument));
    expect(ws.data!.me).toEqual(http);
  });

  it('asks the database one statement over HTTP: the session check that reads the account', async () => {
    const u = await signUp(s);
    ok(await s.gql(MeDocument, {}, { token: u.accessToken })); // warm: the token is verified once
    const statements = await statementsMatching(/refresh_token|app_user/, async () => {
      expect(ok(await s.gql(MeDocument, {}, { token: u.accessToken })).me!.email).toBe(u.email);
    });
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/refresh_token[\s\S]*app_user/);
  });

  it('is null for an account deleted since its token was issued, over HTTP and WebSocket', async () => {
    const u = await signUp(s);
    const client = s.ws(u.accessToken);
    expect(ok(await s.gql(MeDocument, {}, { token: u.accessToken })).me!.email).toBe(u.email);
    await db.query(`update app_user set deleted_at = now() where email = $1`, [u.email]);
    const http = await s.gql(MeDocument, {}, { token: u.accessToken });
    expect(http.status).toBe(200);
    expect(http.errors).toBeUndefined();
    expect(http.data!.me).toBeNull();
    const ws = await overSocket<{ me: unknown }>(client, print(MeDocument));
    expect(ws.data!.me).toBeNull();
  });

  it('with fields read through the unit of work and the loaders, which are made on demand', async () => {
    const u = await signUp(s);
    const res = await s.gql<{ me: { email: string; applications: { totalCount: number } } }>(
      '{ me { email applications { totalCount } accounts { id } } }',
      {},
      { token: u.accessToken },
    );
    expect(ok(res).me).toEqual({ email: u.email, applications: { totalCount: 0 }, accounts: [] });
  });
});

describe('a token verified once', () => {
  it('is refused as soon as its session signs out, and a tampered copy is refused every time', async () => {
    const u = await signUp(s);
    for (let i = 0; i < 3; i++)
      expect(ok(await s.gql(MeDocument, {}, { token: u.accessToken })).me).toBeTruthy();
    const tampered = `${u.accessToken.slice(0, -2)}${u.accessToken.endsWith('AA') ? 'BB' : 'AA'}`;
    for (let i = 0; i < 2; i++) {
      const res = await s.gql(MeDocument, {}, { token: tampered });
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    ok(await s.gql('mutation { signOut { ok } }', {}, { token: u.accessToken }));
    const after = await s.gql(MeDocument, {}, { token: u.accessToken });
    expect(after.status).toBe(401);
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

// Each instance remembers the tokens it verified, never that a session is live: a sign-out
// on one instance is refused by the next request on any other, whatever it remembers.
async function signOutOnOneRefusedOnTheOther(withRedis: boolean): Promise<void> {
  const a = await startTestServer(withRedis ? {} : { redisUrl: null });
  const b = await startTestServer({
    database: a.databaseUrl,
    ...(withRedis ? { redisPrefix: a.redisPrefix } : { redisUrl: null }),
  });
  try {
    const u = await signUp(a);
    for (let i = 0; i < 3; i++) {
      expect(ok(await b.gql(MeDocument, {}, { token: u.accessToken })).me!.email).toBe(u.email);
    }
    ok(await a.gql('mutation { signOut { ok } }', {}, { token: u.accessToken }));
    const me = await b.gql(MeDocument, {}, { token: u.accessToken });
    expect(me.status).toBe(401);
    expect(me.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(me.data ?? null).toBeNull();
  } finally {
    await b.close();
    await a.close();
  }
}

describe('two instances on one database', () => {
  itNeeds(REDIS, 'sharing Redis: a sign-out on one is refused at once on the other', () =>
    signOutOnOneRefusedOnTheOther(true),
  );
  it('without a bus between them: a sign-out on one is refused at once on the other', () =>
    signOutOnOneRefusedOnTheOther(false));
});
