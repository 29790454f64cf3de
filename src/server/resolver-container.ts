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
    const service = this.services.get(cls);
    if (service) return service as T;
    let resolver = this.resolvers.get(cls);
    if (!resolver) {
      const params = (Reflect.getMetadata('design:paramtypes', cls) ?? []) as unknown[];
      const args = params.map((p, i) => {
        const dep = this.services.get(p);
        if (!dep)
          throw new Error(
            `${cls.name}: constructor parameter ${i} (${(p as Class)?.name}) is no composed service`,
          );
        return dep;
      });
      resolver = new (cls as unknown as new (...a: unknown[]) => T)(...args);
      this.resolvers.set(cls, resolver);
    }
    return resolver as T;
  }
}
