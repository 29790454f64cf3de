import { auditServer } from 'graphql-http';
import { MeDocument } from '../generated/contract';
import { signUp } from '../support/fixtures';
import { itNeeds, REDIS } from '../support/needs';
import { ok, startTestServer, type TestServer } from '../support/server';
import { INTERNAL_MESSAGE } from '../../src/server/errors';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const base = () => s.url.replace(/\/graphql$/, '');

describe('operations endpoints', () => {
  it('/healthz answers while the process is up', async () => {
    const res = await fetch(`${base()}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  itNeeds(REDIS, '/readyz with REDIS_URL checks the database and Redis', async () => {
    const res = await fetch(`${base()}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', database: true, pubsub: 'redis', redis: true });
  });

  it('/readyz without REDIS_URL says events stay in-process and reports no Redis', async () => {
    const local = await startTestServer({ redisUrl: null });
    try {
      const res = await fetch(local.url.replace(/\/graphql$/, '/readyz'));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ready', database: true, pubsub: 'in-process' });
    } finally {
      await local.close();
    }
  });

  it('/metrics speaks Prometheus, with a latency histogram per operation and open subscriptions', async () => {
    await s.gql(MeDocument, {});
    const text = await (await fetch(`${base()}/metrics`)).text();
    expect(text).toMatch(/graphql_request_duration_seconds_bucket\{[^}]*operation="Me"[^}]*\}/);
    expect(text).toMatch(/^graphql_subscriptions_open \d+/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total/m);
  });

  it('every response carries a request id, and a sane one given by the client is kept', async () => {
    const res = await s.gql(MeDocument, {}, { headers: { 'x-request-id': 'client-req-42' } });
    expect(res.headers.get('x-request-id')).toBe('client-req-42');
    const other = await s.gql(MeDocument, {}, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('the explorer', () => {
  it('a browser opening /graphql gets GraphiQL from the server itself, no CDN', async () => {
    const res = await fetch(s.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div id="graphiql">');
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(srcs.length).toBeGreaterThanOrEqual(5);
    for (const src of srcs) {
      expect(src.startsWith('/')).toBe(true); // same origin only
      const asset = await fetch(`${base()}${src}`);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    const boot = await (await fetch(`${base()}/graphql-explorer/explorer.js`)).text();
    expect(boot).toContain('subscriptionUrl');
  });
});

describe('GraphQL over HTTP', () => {
  it('passes every MUST of the graphql-http audit suite', async () => {
    const results = await auditServer({ url: s.url });
    const failedMusts = results
      .filter((r) => r.name.startsWith('MUST') && r.status !== 'ok')
      .map((r) => `${r.id} ${r.name}`);
    expect(failedMusts).toEqual([]);
  });

  it('answers application/graphql-response+json when accepted, with 4xx for a validation failure', async () => {
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/graphql-response\+json/);
  });

  it.each([
    ['a parse failure', { query: '{ me ' }],
    ['a validation failure', { query: '{ nope }' }],
    [
      'a variable-coercion failure',
      { query: 'query($n: Int) { me { notifications(first: $n) { totalCount } } }', variables: { n: 'x' } },
    ],
  ])('gives a legacy application/json client status 200 for %s', async (_what, body) => {
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const json = (await res.json()) as { errors: unknown[] };
    expect(json.errors.length).toBeGreaterThan(0);
  });
});

describe('what the transport refuses', () => {
  const post = (body: string | Buffer, contentType = 'application/json', method = 'POST') =>
    fetch(s.url, { method, headers: { 'content-type': contentType, accept: 'application/json' }, body });

  it('a body over the limit: 413, a GraphQL-shaped error naming the limit', async () => {
    const res = await post(JSON.stringify({ query: '{ me { id } }', pad: 'x'.repeat(101 * 1024) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      errors: [
        {
          message: `Request body too large (limit ${100 * 1024} bytes).`,
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
  });

  it('a body that is not JSON: 400, a GraphQL-shaped error', async () => {
    const res = await post('{"query": ');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('a form-encoded or text/plain post (a cross-site request) is refused, not executed', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const res = await post('{"query":"mutation { signOut }"}', type);
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain('"data"');
    }
  });

  it('a method GraphQL over HTTP does not use gets 405', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename }' }), 'application/json', 'PUT');
    expect(res.status).toBe(405);
  });

  it('an explorer asset that does not exist is 404, whatever its name', async () => {
    for (const name of ['nope.js', 'constructor', '__proto__', '..%2Fpackage.json']) {
      expect((await fetch(`${base()}/graphql-explorer/${name}`)).status).toBe(404);
    }
  });
});

describe('unexpected errors', () => {
  it('are masked for the client and logged with the request id', async () => {
    const u = await signUp(s);
    const logged: unknown[] = [];
    const services = s.app.services;
    const originalMe = services.users.me.bind(services.users);
    const originalError = services.log.child;
    services.users.me = async () => {
      throw new Error('relation "app_user" does not exist at character 15: select * from app_user');
    };
    services.log.child = ((bindings: Record<string, unknown>) => {
      const child = originalError.call(services.log, bindings);
      const error = child.error.bind(child);
      child.error = ((obj: unknown, msg?: string) => {
        logged.push({ bindings, obj, msg });
        return error(obj as never, msg as never);
      }) as typeof child.error;
      return child;
    }) as typeof services.log.child;
    try {
      const res = await s.gql(
        MeDocument,
        {},
        { token: u.accessToken, headers: { 'x-request-id': 'trace-me-1' } },
      );
      expect(res.errors).toEqual([
        {
          message: INTERNAL_MESSAGE,
          locations: expect.any(Array),
          path: ['me'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      expect(JSON.stringify(res)).not.toMatch(/app_user|select|stack/i);
      expect(JSON.stringify(logged)).toMatch(/trace-me-1/);
      const entry = logged[0] as { obj: { err: Error } };
      expect(entry.obj.err.message).toMatch(/relation "app_user" does not exist/);
    } finally {
      services.users.me = originalMe;
      services.log.child = originalError;
    }
    expect(ok(await s.gql(MeDocument, {}, { token: u.accessToken })).me).not.toBeNull();
  });
});
