import { Redis } from 'ioredis';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { PubSub, type PubSubEngine } from 'graphql-subscriptions';
import type { Logger } from '../lib/logger';

/**
 * The transport between server instances: Redis pub/sub when REDIS_URL is set, an
 * in-process emitter otherwise. Messages are strings (serialised once by the relay and
 * parsed once per instance), so both transports behave the same.
 */
export interface EventBus {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => void>;
  /** Called when the subscriber connection came back: messages may have been missed meanwhile. */
  onResync(listener: () => void): void;
  /** For /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

class EngineBus implements EventBus {
  private readonly resyncListeners: (() => void)[] = [];
  constructor(
    private readonly engine: PubSubEngine,
    private readonly prefix: string,
    private readonly pinger: () => Promise<boolean>,
    private readonly closer: () => Promise<void>,
  ) {}

  async publish(channel: string, message: string): Promise<void> {
    await this.engine.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => void> {
    const id = await this.engine.subscribe(this.prefix + channel, onMessage, {});
    return () => this.engine.unsubscribe(id);
  }

  onResync(listener: () => void): void {
    this.resyncListeners.push(listener);
  }

  resync(): void {
    for (const l of this.resyncListeners) l();
  }

  ping(): Promise<boolean> {
    return this.pinger();
  }

  close(): Promise<void> {
    return this.closer();
  }
}

export function createMemoryBus(): EventBus {
  return new EngineBus(
    new PubSub(),
    '',
    async () => true,
    async () => undefined,
  );
}

export function createRedisBus(url: string, prefix: string, log: Logger): EventBus {
  const common = {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (n: number) => Math.min(n * 100, 2000),
  };
  // The publisher fails fast while Redis is away: the relay keeps the events and retries,
  // instead of ioredis queueing them in memory.
  const publisher = new Redis(url, { ...common, enableOfflineQueue: false });
  const subscriber = new Redis(url, { ...common, enableOfflineQueue: true });
  const onError = (role: string) => (err: Error) =>
    log.warn({ err: err.message, role }, 'redis connection error');
  publisher.on('error', onError('publisher'));
  subscriber.on('error', onError('subscriber'));

  const engine = new RedisPubSub({
    publisher,
    subscriber,
    serializer: (s: unknown) => s as string,
    deserializer: (raw: string | Buffer) => raw.toString(),
  });
  let closing = false;
  const bus = new EngineBus(
    engine,
    prefix,
    async () => {
      try {
        return (await publisher.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async () => {
      closing = true;
      publisher.disconnect();
      subscriber.disconnect();
    },
  );
  let readyOnce = false;
  subscriber.on('ready', () => {
    if (!readyOnce) {
      readyOnce = true;
      return;
    }
    if (closing) return;
    log.info('redis subscriber reconnected; live streams catch up from the outbox');
    // ioredis re-subscribes on reconnect; give the SUBSCRIBE replies a moment to land.
    setTimeout(() => bus.resync(), 100).unref();
  });
  return bus;
}

/** Redis client for rate limits and other short-lived counters (shares the key prefix). */
export function createRedisClient(url: string, log: Logger): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  client.on('error', (err: Error) =>
    log.warn({ err: err.message, role: 'commands' }, 'redis connection error'),
  );
  return client;
}
