import 'reflect-metadata';
import type { ResolverContainer } from '../resolvers/common/context';
import type { App } from './compose';

type Class = abstract new (...args: never[]) => unknown;

/**
 * Resolvers name the services they use in their constructors; this builds each resolver
 * once, with the composed service of each parameter's class (read from the decorator
 * metadata TypeScript emits). A parameter no service answers fails at start, not mid-request.
 */
export class AppResolverContainer implements ResolverContainer {
  private readonly services = new Map<unknown, unknown>();
  private readonly resolvers = new Map<unknown, unknown>();

  constructor(app: App, resolverClasses: readonly Function[]) {
    for (const service of Object.values(app)) {
      if (service && typeof service === 'object' && service.constructor !== Object)
        this.services.set(service.constructor, service);
    }
    for (const cls of resolverClasses) this.get(cls as Class);
  }

  get<T>(cls: abstract new (...args: never[]) => T): T {
    // Resolvers first: type-graphql asks for one on every resolver call.
    return (this.resolvers.get(cls) ?? this.services.get(cls) ?? this.build(cls)) as T;
  }

  private build(cls: Function): unknown {
    const params = (Reflect.getMetadata('design:paramtypes', cls) ?? []) as unknown[];
    const args = params.map((p, i) => {
      const dep = this.services.get(p);
      if (!dep)
        throw new Error(
          `${cls.name}: constructor parameter ${i} (${(p as Class)?.name}) is no composed service`,
        );
      return dep;
    });
    const resolver = new (cls as new (...a: unknown[]) => unknown)(...args);
    this.resolvers.set(cls, resolver);
    return resolver;
  }
}
