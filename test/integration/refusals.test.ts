import { parse } from 'graphql';
import { forbidden } from '../../src/lib/errors';
import { cursorExpired } from '../../src/subscriptions/common/outbox-retention';
import { signUp, type SignedUp } from '../support/fixtures';
import { subscribe } from '../support/live';
import { metricValue } from '../support/observe';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Refusals of a whole request (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, CURSOR_EXPIRED),
 * thrown by services, subscriptions and the auth checker: what clients see of them on both
 * transports, pinned to the exact error, the HTTP status, and the error count by code in
 * /metrics (a refusal is a client error, never a masked INTERNAL_SERVER_ERROR).
 */

let s: TestServer;
let u: SignedUp;
beforeAll(async () => {
  s = await startTestServer();
  u = await signUp(s);
});
afterAll(async () => {
  await s?.close();
});
afterEach(() => jest.restoreAllMocks());

const SIGNED_IN = 'You must be signed in.';
const NOT_ALLOWED = 'You are not allowed to do this.';
const at = (line: number, column: number) => [{ line, column }];

/** How many errors with this code /metrics has counted so far. */
async function counted(code: string): Promise<number> {
  return (await metricValue(s.url, `graphql_errors_total{code="${code}"}`)) ?? 0;
}

/** A FORBIDDEN thrown from inside a service, the way a service's own access check throws it. */
const forbiddenInService = () =>
  jest.spyOn(s.app.services.sandbox, 'now').mockImplementation(() => {
    throw forbidden();
  });

describe('refusals over HTTP', () => {
  it.each([
    {
      what: 'UNAUTHENTICATED from a service (signOut, signed out)',
      query: 'mutation {\n  signOut { userErrors { code } } }',
      signedIn: false,
      arrange: () => undefined,
      status: 401,
      error: { message: SIGNED_IN, locations: at(2, 3), path: ['signOut'], code: 'UNAUTHENTICATED' },
    },
    {
      what: 'FORBIDDEN from a service',
      query: '{\n  sandboxClock { today } }',
      signedIn: true,
      arrange: forbiddenInService,
      status: 403,
      error: { message: NOT_ALLOWED, locations: at(2, 3), path: ['sandboxClock'], code: 'FORBIDDEN' },
    },
    {
      what: 'BAD_USER_INPUT from a service (a page cursor we did not hand out)',
      query: '{ me {\n  notifications(after: "not ours") { totalCount } } }',
      signedIn: true,
      arrange: () => undefined,
      status: 200,
      error: {
        message: '`after` is not a valid cursor.',
        locations: at(2, 3),
        path: ['me', 'notifications'],
        code: 'BAD_USER_INPUT',
      },
    },
    {
      what: 'UNAUTHENTICATED from the auth checker (@Authorized, signed out)',
      query: '{\n  sandboxClock { today } }',
      signedIn: false,
      arrange: () => undefined,
      status: 401,
      error: { message: SIGNED_IN, locations: at(2, 3), path: ['sandboxClock'], code: 'UNAUTHENTICATED' },
    },
    {
      what: 'FORBIDDEN from the auth checker (an admin-only mutation, as a borrower)',
      query: 'mutation {\n  advanceSandboxClock(input: { days: 1 }) { userErrors { code } } }',
      signedIn: true,
      arrange: () => undefined,
      status: 403,
      error: {
        message: NOT_ALLOWED,
        locations: at(2, 3),
        path: ['advanceSandboxClock'],
        code: 'FORBIDDEN',
      },
    },
  ])('$what', async ({ query, signedIn, arrange, status, error }) => {
    arrange();
    const [before, internalBefore] = [await counted(error.code), await counted('INTERNAL_SERVER_ERROR')];
    const res = await s.gql(query, {}, { token: signedIn ? u.accessToken : null });
    expect(res.status).toBe(status);
    // A refusal says nothing about the token: only an invalid token asks for a new one.
    expect(res.headers.get('www-authenticate')).toBeNull();
    const { code, ...shape } = error;
    expect(res.errors).toEqual([{ ...shape, extensions: { code } }]);
    // Counted as the client error it is, never as an unexpected (masked) one.
    expect(await counted(error.code)).toBe(before + 1);
    expect(await counted('INTERNAL_SERVER_ERROR')).toBe(internalBefore);
  });

  it('a client accepting only application/json gets the same 403 (only pre-execution 400s turn 200 for it)', async () => {
    forbiddenInService();
    const res = await s.gql(
      '{ sandboxClock { today } }',
      {},
      {
        token: u.accessToken,
        headers: { accept: 'application/json' },
      },
    );
    expect(res.status).toBe(403);
    expect(res.errors?.map((e) => e.extensions)).toEqual([{ code: 'FORBIDDEN' }]);
  });
});

describe('refusals over WebSocket', () => {
  it.each([
    {
      what: 'UNAUTHENTICATED from a service, in a mutation',
      query: 'mutation {\n  signOut { userErrors { code } } }',
      signedIn: false,
      arrange: () => undefined,
      error: { message: SIGNED_IN, locations: at(2, 3), path: ['signOut'], code: 'UNAUTHENTICATED' },
    },
    {
      what: 'FORBIDDEN from a service, in a query',
      query: '{\n  sandboxClock { today } }',
      signedIn: true,
      arrange: forbiddenInService,
      error: { message: NOT_ALLOWED, locations: at(2, 3), path: ['sandboxClock'], code: 'FORBIDDEN' },
    },
    {
      what: 'UNAUTHENTICATED when subscribing signed out',
      query: 'subscription {\n  notificationReceived { cursor } }',
      signedIn: false,
      arrange: () => undefined,
      error: {
        message: SIGNED_IN,
        locations: at(2, 3),
        path: ['notificationReceived'],
        code: 'UNAUTHENTICATED',
      },
    },
    {
      what: 'BAD_USER_INPUT for a `since` that is not a cursor',
      query: 'subscription {\n  notificationReceived(since: "yesterday") { cursor } }',
      signedIn: true,
      arrange: () => undefined,
      error: {
        message: '`since` must be a cursor received from this subscription.',
        locations: at(2, 3),
        path: ['notificationReceived'],
        code: 'BAD_USER_INPUT',
      },
    },
  ])('$what', async ({ query, signedIn, arrange, error }) => {
    arrange();
    const op = subscribe(s.ws(signedIn ? u.accessToken : null), parse(query));
    const r = await op.next();
    const { code, ...shape } = error;
    expect(r.errors).toEqual([{ ...shape, extensions: { code } }]);
    op.dispose();
  });

  it('CURSOR_EXPIRED while streaming (the events were pruned during an outage) ends the subscription with it', async () => {
    jest.spyOn(s.app.services.live, 'stream').mockImplementation(async () => {
      const failing: AsyncIterableIterator<never> = {
        next: () => Promise.reject(cursorExpired(5n, 9n, 30)),
        return: () => Promise.resolve({ value: undefined, done: true }),
        [Symbol.asyncIterator]: () => failing,
      };
      return failing;
    });
    const op = subscribe(s.ws(u.accessToken), parse('subscription { notificationReceived { cursor } }'));
    expect(await op.ended).toEqual({
      error: [
        {
          message:
            'Events up to cursor 9 are no longer kept (they are kept 30 days), so nothing after cursor 5 ' +
            'can be replayed. Reload the data, then subscribe without `since`.',
          extensions: { code: 'CURSOR_EXPIRED' },
        },
      ],
    });
    expect(op.results).toEqual([]);
  });
});
