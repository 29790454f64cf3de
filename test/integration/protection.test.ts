import WebSocket from 'ws';
import { MeDocument, NotificationReceivedDocument } from '../generated/contract';
import { signUp } from '../support/fixtures';
import { subscribe, waitFor } from '../support/live';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { WS_CONNECTION_INIT_TIMEOUT_MS: '300', WS_MAX_SUBSCRIPTIONS: '50' } });
});
afterAll(async () => {
  await s?.close();
});

const aliasFlood = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`;
const tokenFlood = (n: number) => `{ ${Array.from({ length: n }, () => '__typename').join(' ')} }`;
/** A query deeper than the limit: fragments inside fragments over the connection types. */
const DEEP = `query { me { notifications { edges { node { id } } pageInfo { endCursor } } } node(id: "x") { ... on User { notifications { edges { node { id } } } } } }`;

const expectRefused = (
  res: { status: number; data?: unknown; errors?: { message: string }[] },
  pattern: RegExp,
) => {
  expect(res.data ?? null).toBeNull();
  expect(res.errors?.[0]?.message).toMatch(pattern);
};

describe('query limits over HTTP', () => {
  it('refuses a document deeper than the depth limit before executing it', async () => {
    const t = await startTestServer({ env: { MAX_QUERY_DEPTH: '3' } });
    try {
      const res = await t.gql(DEEP);
      expect(res.status).toBe(400);
      expectRefused(res, /depth/i);
      // the same document over a legacy client that only accepts application/json: 200, errors in the body
      const legacy = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: DEEP }),
      });
      expect(legacy.status).toBe(200);
      expect(((await legacy.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(
        /depth/i,
      );
    } finally {
      await t.close();
    }
  });

  it('refuses an alias flood', async () => {
    expectRefused(await s.gql(aliasFlood(200)), /aliases/i);
  });

  it('refuses too many tokens', async () => {
    expectRefused(await s.gql(tokenFlood(5000)), /token/i);
  });

  it('refuses an oversized body with 413, before parsing', async () => {
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(200 * 1024)}` }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toMatch(/too large/);
  });

  it('CSRF prevention refuses a simple cross-site request', async () => {
    const res = await fetch(`${s.url}?query=${encodeURIComponent('{ __typename }')}`, { method: 'GET' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
    const ok = await fetch(`${s.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(ok.status).toBe(200);
  });

  it('a normal query passes', async () => {
    const res = await s.gql(MeDocument, {});
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
  });
});

const wsRaw = (headers: Record<string, string> = {}) =>
  new WebSocket(s.wsUrl, 'graphql-transport-ws', { headers });

const closed = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((r) =>
    ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
  );
const opened = (ws: WebSocket) =>
  new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });

describe('limits over the WebSocket', () => {
  it('closes a socket that sends a message over 64 KiB (1009)', async () => {
    const ws = wsRaw();
    await opened(ws);
    const done = closed(ws);
    ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(70 * 1024) } }));
    expect((await done).code).toBe(1009);
  });

  it('closes a socket that never sends connection_init (4408)', async () => {
    const ws = wsRaw();
    await opened(ws);
    expect((await closed(ws)).code).toBe(4408);
  });

  it('refuses a browser from an origin that is not allowed, and accepts the server’s own origin', async () => {
    const bad = wsRaw({ origin: 'https://evil.example' });
    const err = await new Promise<Error>((r) => bad.once('error', r));
    expect(err.message).toMatch(/403/);
    const own = wsRaw({ origin: `http://127.0.0.1:${s.app.port}` });
    await opened(own);
    own.close();
  });

  it('refuses a bad token in connection_init (4403)', async () => {
    const ws = wsRaw();
    await opened(ws);
    const done = closed(ws);
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer nope' } }));
    expect((await done).code).toBe(4403);
  });

  it('applies the depth, alias and token limits to WebSocket operations', async () => {
    const u = await signUp(s);
    const client = s.ws(u.accessToken);
    const t = await startTestServer({ env: { MAX_QUERY_DEPTH: '3' } });
    // a session of t's own database: t refuses tokens of sessions it does not know
    const tu = await signUp(t);
    const deep = await new Promise<unknown>((resolve) => {
      t.ws(tu.accessToken).subscribe(
        { query: DEEP },
        { next: resolve, error: resolve, complete: () => undefined },
      );
    });
    await t.close();
    expect(JSON.stringify(deep)).toMatch(/depth/i);
    for (const query of [aliasFlood(200), tokenFlood(5000)]) {
      const result = await new Promise<unknown>((resolve) => {
        client.subscribe({ query }, { next: resolve, error: resolve, complete: () => undefined });
      });
      expect(JSON.stringify(result)).toMatch(/aliases|token/i);
    }
  });

  it('allows at most 50 operations on one socket', async () => {
    const u = await signUp(s);
    const client = s.ws(u.accessToken);
    const subs = Array.from({ length: 50 }, () => subscribe(client, NotificationReceivedDocument, {}));
    const extra = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: 'subscription { notificationReceived { cursor } }' },
        { next: resolve, error: resolve, complete: () => undefined },
      );
    });
    expect(JSON.stringify(extra)).toMatch(/At most 50/);
    subs.forEach((x) => x.dispose());
  });
});

describe('the cap on operations per socket under a burst', () => {
  it('60 subscribes sent at once: exactly 50 open, 10 refused', async () => {
    const u = await signUp(s);
    const socket = new WebSocket(s.wsUrl, 'graphql-transport-ws');
    await new Promise((r) => socket.once('open', r));
    const messages: { type: string; id?: string; payload?: unknown }[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as (typeof messages)[number]));
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${u.accessToken}` } }),
    );
    const until = Date.now() + 5000;
    while (!messages.some((m) => m.type === 'connection_ack') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    const streams = () => s.app.services.live.openStreams;
    const before = streams();
    for (let i = 0; i < 60; i++) {
      socket.send(
        JSON.stringify({
          type: 'subscribe',
          id: `s${i}`,
          payload: { query: 'subscription { notificationReceived { cursor } }' },
        }),
      );
    }
    const refused = () =>
      messages.filter((m) => m.type === 'error' && /At most 50/.test(JSON.stringify(m.payload)));
    // Every subscribe is accounted for once 50 streams are open and 10 refused: no more can come.
    await waitFor(() => refused().length >= 10 && streams() >= before + 50, 5000, '50 open and 10 refused');
    expect(streams()).toBe(before + 50);
    expect(refused()).toHaveLength(10);
    expect(messages.filter((m) => m.type === 'error')).toHaveLength(10);
    socket.close();
  });
});

describe('field suggestions', () => {
  it('are shown in development and hidden in production', async () => {
    const dev = await s.gql('{ mee { id } }');
    expect(dev.errors?.[0]?.message).toMatch(/Did you mean "me"/);
    const prod = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      const res = await prod.gql('{ mee { id } }');
      expect(res.errors?.[0]?.message).toMatch(/Cannot query field "mee"/);
      expect(res.errors?.[0]?.message).not.toMatch(/Did you mean/);
    } finally {
      await prod.close();
    }
  });
});
