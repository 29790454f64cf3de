import 'reflect-metadata';
import type { EntityManager } from '@mikro-orm/postgresql';
import { buildContext } from '../../src/server/context';
import type { App } from '../../src/server/compose';
import type { ResolverContainer } from '../../src/resolvers/common/context';

/**
 * Issue 10, item 3: a request's unit of work, loaders and logger are made on first use (a
 * `me` over HTTP needs none of them), once per request, and each request has its own.
 */
function setUp() {
  const forks: object[] = [];
  const root = {
    fork: jest.fn(() => {
      const em = { forkNo: forks.length };
      forks.push(em);
      return em;
    }),
  } as unknown as EntityManager;
  const child = { info: jest.fn() };
  const log = { child: jest.fn(() => child) };
  const app = { ledger: {}, log } as unknown as Pick<App, 'ledger' | 'log'>;
  const make = (requestId: string) =>
    buildContext({
      app,
      container: {} as ResolverContainer,
      em: root,
      viewer: null,
      requestId,
      ip: '127.0.0.1',
    });
  return { root, forks, log, child, make };
}

describe('buildContext', () => {
  it('forks nothing, builds no loader and no logger until asked', () => {
    const { root, log, make } = setUp();
    const ctx = make('r1');
    expect(ctx).toMatchObject({ requestId: 'r1', viewer: null, ip: '127.0.0.1' });
    expect(ctx.viewerAccount).toBeUndefined();
    expect(root.fork).not.toHaveBeenCalled();
    expect(log.child).not.toHaveBeenCalled();
  });

  it('makes each once, on first use; the loaders read through the request’s own fork', () => {
    const { root, forks, log, child, make } = setUp();
    const ctx = make('r2');
    const loaders = ctx.loaders;
    expect(root.fork).toHaveBeenCalledTimes(1);
    expect(ctx.loaders).toBe(loaders);
    expect(ctx.em).toBe(forks[0]);
    expect(ctx.em).toBe(ctx.em);
    expect(typeof loaders.userById.load).toBe('function');
    expect(root.fork).toHaveBeenCalledTimes(1);
    expect(ctx.log).toBe(child);
    expect(ctx.log).toBe(child);
    expect(log.child).toHaveBeenCalledTimes(1);
    expect(log.child).toHaveBeenCalledWith({ requestId: 'r2' });
  });

  it('finds the client address when first asked, once', () => {
    const { make } = setUp();
    expect(make('plain').ip).toBe('127.0.0.1');
    const { root, log } = setUp();
    const find = jest.fn(() => '203.0.113.7');
    const ctx = buildContext({
      app: { ledger: {}, log } as unknown as Pick<App, 'ledger' | 'log'>,
      container: {} as ResolverContainer,
      em: root,
      viewer: null,
      requestId: 'r3',
      ip: find,
    });
    expect(find).not.toHaveBeenCalled();
    expect(ctx.ip).toBe('203.0.113.7');
    expect(ctx.ip).toBe('203.0.113.7');
    expect(find).toHaveBeenCalledTimes(1);
  });

  it('gives every request a unit of work of its own', () => {
    const { forks, make } = setUp();
    const a = make('a');
    const b = make('b');
    expect(a.em).not.toBe(b.em);
    expect(a.loaders).not.toBe(b.loaders);
    expect(forks).toHaveLength(2);
  });
});
