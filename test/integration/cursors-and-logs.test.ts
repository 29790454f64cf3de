import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Notification } from '../../src/entities';
import { createLogger } from '../../src/lib/logger';
import { makeAdmin, openCreditLine, signUp, type SignedUp } from '../support/fixtures';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Issue 8, item 14: a cursor that is not one of ours is the client's mistake on every
 * connection field (BAD_USER_INPUT, never INTERNAL_SERVER_ERROR), and an internal error
 * caused by a query never writes the query's bound values to the log.
 */
let s: TestServer;
let u: SignedUp;
let admin: SignedUp;
let accountId: string;
beforeAll(async () => {
  s = await startTestServer();
  u = await signUp(s);
  admin = await makeAdmin(s);
  accountId = (await openCreditLine(s, u)).accountId;
});
afterAll(async () => {
  await s?.close();
});

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

/** Every connection field that takes `after`, with the token that may read it. */
const fields: [string, () => string, () => Record<string, unknown>][] = [
  [
    'me.notifications',
    () => u.accessToken,
    () => ({ query: 'query($after: String) { me { notifications(after: $after) { totalCount } } }' }),
  ],
  [
    'me.applications',
    () => u.accessToken,
    () => ({ query: 'query($after: String) { me { applications(after: $after) { totalCount } } }' }),
  ],
  [
    'me.rewards.entries',
    () => u.accessToken,
    () => ({ query: 'query($after: String) { me { rewards { entries(after: $after) { totalCount } } } }' }),
  ],
  [
    'applications (admin queue)',
    () => admin.accessToken,
    () => ({ query: 'query($after: String) { applications(after: $after) { totalCount } }' }),
  ],
  [
    'CreditAccount.transactions',
    () => u.accessToken,
    () => ({
      query:
        'query($id: ID!, $after: String) { node(id: $id) { ... on CreditAccount { transactions(after: $after) { totalCount } } } }',
      id: accountId,
    }),
  ],
];

const badCursors: [string, string][] = [
  ['not base64 of ours', 'not-a-cursor'],
  ['ours, but not a uuid', cursorOf('c:not-a-uuid')],
  ['ours, with SQL in it', cursorOf("c:' or 1=1 --")],
  ['ours, a uuid with a tail', cursorOf(`c:${randomUUID()}x`)],
];

describe('a cursor that is not one of ours', () => {
  describe.each(fields)('%s', (_name, token, doc) => {
    it.each(badCursors)('%s: BAD_USER_INPUT', async (_what, after) => {
      const { query, ...vars } = doc();
      const res = await s.gql(query as string, { ...vars, after }, { token: token() });
      expect(res.errors).toEqual([
        expect.objectContaining({
          message: '`after` is not a valid cursor.',
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ]);
    });

    it('a real cursor still pages', async () => {
      const { query, ...vars } = doc();
      const res = await s.gql(
        query as string,
        { ...vars, after: cursorOf(`c:${randomUUID()}`) },
        { token: token() },
      );
      expect(res.errors).toBeUndefined();
    });
  });
});

describe('an internal error caused by a query', () => {
  const SECRET = 'bound-value-7f3a91';
  const SECRET_NUMBER = 987654321987;

  /** Replaces the server's logger for the requests that follow; returns the lines written. */
  function captureLogs(): string[] {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    s.app.services.log = createLogger('info', sink);
    return lines;
  }

  const failures: [
    string,
    (em: import('@mikro-orm/postgresql').EntityManager) => Promise<unknown>,
    string,
  ][] = [
    // What a non-uuid `after` cursor did before it was rejected up front.
    ['an invalid uuid compared in a find', (em) => em.find(Notification, { id: { $lt: SECRET } }), '22P02'],
    [
      'a duplicate key (PostgreSQL puts the row values in its detail)',
      (em) =>
        em.getConnection().execute(
          `insert into outbox_event (id, type, audience, payload, created_at)
             values (?, 'probe', array[?]::text[], '{}', now()), (?, 'probe', array[?]::text[], '{}', now())`,
          [SECRET_NUMBER, SECRET, SECRET_NUMBER, SECRET],
        ),
      '23505',
    ],
  ];

  it.each(failures)(
    '%s: the client sees a masked error; the log line has no bound values',
    async (_what, fail, sqlState) => {
      const notifications = s.app.services.notifications;
      const realList = notifications.list.bind(notifications);
      const log = s.app.services.log;
      const lines = captureLogs();
      notifications.list = async (ctx) => {
        await fail(ctx.em);
        return realList(ctx, '', {});
      };
      try {
        const res = await s.gql('{ me { notifications { totalCount } } }', {}, { token: u.accessToken });
        expect(res.errors).toEqual([
          expect.objectContaining({ extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
        ]);
        expect(JSON.stringify(res.errors)).not.toContain(SECRET);

        const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        const line = logged.find((l) => l.msg === 'unexpected error');
        expect(line).toMatchObject({
          requestId: res.headers.get('x-request-id'),
          err: { code: sqlState, message: expect.stringContaining(sqlState) },
        });
        const all = lines.join('\n');
        expect(all).not.toContain(SECRET);
        expect(all).not.toContain(String(SECRET_NUMBER));
      } finally {
        notifications.list = realList;
        s.app.services.log = log;
      }
    },
  );
});
