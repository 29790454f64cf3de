import 'reflect-metadata';
import { AppResolverContainer } from '../../src/server/resolver-container';
import type { App } from '../../src/server/compose';

/** Any decorator makes TypeScript emit the constructor's parameter types, as @Resolver does. */
const decorated: ClassDecorator = () => undefined;

class Greeter {
  greet = (name: string) => `hello ${name}`;
}
class NotComposed {}

@decorated
class GreetingResolver {
  constructor(readonly greeter: Greeter) {}
}

@decorated
class BrokenResolver {
  constructor(readonly missing: NotComposed) {}
}

describe('the resolver container', () => {
  const greeter = new Greeter();
  const app = { greeter, config: { port: 0 } } as unknown as App;

  it('builds each resolver once, with the composed service of each constructor parameter', () => {
    const container = new AppResolverContainer(app, [GreetingResolver]);
    const resolver = container.get(GreetingResolver);
    expect(resolver.greeter).toBe(greeter);
    expect(container.get(GreetingResolver)).toBe(resolver);
    expect(container.get(Greeter)).toBe(greeter);
  });

  it('fails at start when a resolver names a class that is no composed service', () => {
    expect(() => new AppResolverContainer(app, [BrokenResolver])).toThrow(
      'BrokenResolver: constructor parameter 0 (NotComposed) is no composed service',
    );
  });
});
