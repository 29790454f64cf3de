import { buildSchema, parse, type ExecutionArgs } from 'graphql';
import { Registry, Counter } from 'prom-client';
import { canonicalJson, FanOut, rootFieldNames, sharingKey, visibilityKey } from '../../src/server/ws-fanout';
import { Role } from '../../src/entities/identity/user.entity';
import type { Viewer } from '../../src/services/common/request-scope';

const viewer = (userId: string, isAdmin = false): Viewer => ({
  userId,
  isAdmin,
  roles: [Role.BORROWER],
  sessionId: `s-${userId}`,
});

describe('the sharing key', () => {
  const doc = parse('subscription S($id: ID) { applicationUpdated(applicationId: $id) { cursor } }');

  it('is canonical in the variables: key order and undefined do not matter, values do', () => {
    expect(canonicalJson({ b: 1, a: { y: [1, { d: 2, c: 3 }], x: null }, u: undefined })).toBe(
      '{"a":{"x":null,"y":[1,{"c":3,"d":2}]},"b":1}',
    );
    const k = (variables: Record<string, unknown>) =>
      sharingKey({ documentKey: 'D', document: doc, operationName: 'S', variables, viewer: viewer('u') });
    expect(k({ id: '1', since: undefined })).toBe(k({ id: '1' }));
    expect(k({ id: '1' })).not.toBe(k({ id: '2' }));
  });

  it('is per viewer by default, constant for a declared viewer-independent field (through fragments)', () => {
    expect(visibilityKey(doc, null, viewer('a'))).not.toBe(visibilityKey(doc, null, viewer('b')));
    expect(visibilityKey(doc, null, viewer('a'))).not.toBe(visibilityKey(doc, null, viewer('a', true)));
    const listing = parse(
      'subscription { ...F } fragment F on Subscription { ... on Subscription { listingFundingChanged(listingId: "x") { cursor } } }',
    );
    expect(rootFieldNames(listing)).toEqual(['listingFundingChanged']);
    expect(visibilityKey(listing, null, viewer('a'))).toBe('*');
    expect(visibilityKey(listing, null, viewer('b'))).toBe('*');
    expect(visibilityKey(listing, null, null)).toBe('*');
  });
});

describe('FanOut', () => {
  const schema = buildSchema('type Query { x: Int } type Subscription { tick: String }');
  const document = parse('subscription { tick }');

  function setUp(o: { ttlMs?: number; maxEntries?: number } = {}) {
    const registry = new Registry();
    const metrics = {
      subscriptionExecutions: new Counter({ name: 'e', help: 'e', registers: [registry] }),
      subscriptionMessages: new Counter({ name: 'm', help: 'm', registers: [registry] }),
    };
    let runs = 0;
    const fanOut = new FanOut({
      metrics,
      context: () => ({}),
      finish: (r) => r,
      ...o,
    });
    const args: ExecutionArgs = {
      schema,
      document,
      rootValue: undefined,
    };
    // The field's resolver is graphql's default: the root value's `tick`; count the reads.
    const event = (cursor: string) => ({
      cursor,
      get tick() {
        runs++;
        return `t${cursor}`;
      },
    });
    const sub = (key: string) => ({
      key,
      prefix: Buffer.alloc(0),
      socket: null as never,
      viewer: null,
      ip: '',
    });
    return { fanOut, args, event, sub, runs: () => runs };
  }

  it('executes once per key and cursor, serialises once, and the same bytes serve everyone', async () => {
    const t = setUp();
    const a = t.sub('K');
    const e = t.event('1');
    const [p1, p2, p3] = await Promise.all([
      t.fanOut.payload(a, t.args, e),
      t.fanOut.payload(t.sub('K'), t.args, t.event('1')),
      t.fanOut.payload(t.sub('K2'), t.args, e),
    ]);
    expect(p1.toString()).toBe('{"data":{"tick":"t1"}}');
    expect(p2).toBe(p1);
    expect(p3).toEqual(p1); // the same bytes from its own execution (another key)
    expect(t.runs()).toBe(2); // K and K2
  });

  it('keeps at most maxEntries, and entries expire after ttlMs', async () => {
    const t = setUp({ maxEntries: 3, ttlMs: 50 });
    for (let c = 1; c <= 10; c++) await t.fanOut.payload(t.sub('K'), t.args, t.event(String(c)));
    expect(t.fanOut.size).toBe(3);
    expect(t.runs()).toBe(10);
    await t.fanOut.payload(t.sub('K'), t.args, t.event('10'));
    expect(t.runs()).toBe(10);
    const later = Date.now() + 60; // the clock moves on past the ttl, with no waiting
    jest.spyOn(Date, 'now').mockReturnValue(later);
    try {
      await t.fanOut.payload(t.sub('K'), t.args, t.event('10'));
    } finally {
      jest.restoreAllMocks();
    }
    expect(t.runs()).toBe(11);
    expect(t.fanOut.size).toBe(1);
  });
});
