import { Redis } from 'ioredis';
import { PubSub } from 'graphql-subscriptions';
import type { Logger } from '../../lib/logger';

/** One message for `EventBus.publishAll`. */
export interface BusMessage {
  channel: string;
  message: string;
}

/**
 * The transport between server instances: Redis pub/sub when REDIS_URL is set, an
 * in-process emitter otherwise. Messages are strings (serialised once by the relay and
 * parsed once per instance), so both transports behave the same.
 */
export interface EventBus {
  publish(channel: string, message: string): Promise<void>;
  /**
   * Publishes `messages` in order, in one round trip where the transport allows. Resolves
   * with how many of the first ones were accepted (all of them, or the ones before the
   * first failure); never rejects.
   */
  publishAll(messages: readonly BusMessage[]): Promise<number>;
  /**
   * Resolves once the channel is listened to, or at once while the transport is away (it
   * then listens when the transport returns and calls the resync listeners). Never rejects.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => void>;
  /** Called when the subscriber connection came back: messages may have been missed meanwhile. */
  onResync(listener: () => void): void;
  /** For /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** In-process pub/sub: one instance, so nothing is ever missed and there is nothing to resync. */
class MemoryBus implements EventBus {
  private readonly engine = new PubSub();

  async publish(channel: string, message: string): Promise<void> {
    await this.engine.publish(channel, message);
  }

  async publishAll(messages: readonly BusMessage[]): Promise<number> {
    for (let i = 0; i < messages.length; i++) {
      try {
        await this.engine.publish(messages[i]!.channel, messages[i]!.message);
      } catch {
        return i;
      }
    }
    return messages.length;
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => void> {
    const id = await this.engine.subscribe(channel, onMessage);
    return () => this.engine.unsubscribe(id);
  }

  onResync(): void {}

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

export function createMemoryBus(): EventBus {
  return new MemoryBus();
}

/**
 * Redis pub/sub on plain ioredis. graphql-redis-subscriptions is not used for this: a
 * SUBSCRIBE that fails while Redis is away leaves a rejected promise nobody awaits (the
 * process exits on it) and nothing subscribes again afterwards.
 *
 * Here a subscription never fails: the channel is remembered, subscribed at once when
 * Redis is up, and otherwise (or when the SUBSCRIBE fails) every time the subscriber
 * connection becomes ready again. Each time channels are (re)subscribed after an outage
 * the resync listeners run, so live streams catch up from the outbox on what they missed.
 */
class RedisBus implements EventBus {
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly resyncListeners: (() => void)[] = [];
  private closing = false;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      for (const handler of this.handlers.get(channel) ?? []) {
        try {
          handler(message);
        } catch (err) {
          log.error({ err, channel }, 'live event handler failed');
        }
      }
    });
    subscriber.on('ready', () => void this.onReady());
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.publish(this.prefix + channel, message);
  }

  /**
   * One pipeline: the commands go out in one write and Redis answers them in order, so a
   * batch costs one round trip instead of one per message (a relay awaiting each PUBLISH
   * fell seconds behind a saturated server, one event-loop turn per message).
   */
  async publishAll(messages: readonly BusMessage[]): Promise<number> {
    if (messages.length === 0) return 0;
    const pipeline = this.publisher.pipeline();
    for (const m of messages) pipeline.publish(this.prefix + m.channel, m.message);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'redis publish failed');
      return 0;
    }
    const failed = (results ?? []).findIndex(([err]) => err !== null);
    if (failed >= 0) {
      this.log.warn({ err: results![failed]![0]!.message }, 'redis publish failed');
      return failed;
    }
    return results ? results.length : 0;
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => void> {
    const name = this.prefix + channel;
    let set = this.handlers.get(name);
    const first = !set;
    if (!set) {
      set = new Set();
      this.handlers.set(name, set);
    }
    set.add(onMessage);
    // Up: resolve once Redis confirmed, so no later event is missed. Down: resolve now; the
    // channel is subscribed when Redis is back, followed by a resync.
    if (first) await this.subscribeNow([name]);
    return () => {
      set.delete(onMessage);
      if (set.size > 0 || this.handlers.get(name) !== set) return;
      this.handlers.delete(name);
      if (this.subscriber.status === 'ready') this.subscriber.unsubscribe(name).catch(() => undefined);
    };
  }

  onResync(listener: () => void): void {
    this.resyncListeners.push(listener);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.publisher.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  /** True when Redis confirmed every channel; false (logged) when it is away or refused. */
  private async subscribeNow(channels: string[]): Promise<boolean> {
    if (channels.length === 0) return true;
    if (this.subscriber.status !== 'ready') return false;
    try {
      await this.subscriber.subscribe(...channels);
      return true;
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message, channels: channels.length },
        'redis subscribe failed; live events resume when Redis is back',
      );
      return false;
    }
  }

  private async onReady(): Promise<void> {
    if (this.closing || this.handlers.size === 0) return;
    if (!(await this.subscribeNow([...this.handlers.keys()])) || this.closing) return;
    this.log.info('redis subscriber ready; live streams catch up from the outbox');
    for (const l of this.resyncListeners) l();
  }
}

export function createRedisBus(url: string, prefix: string, log: Logger): EventBus {
  const common = {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (n: number) => Math.min(n * 100, 2000),
    // Commands fail fast while disconnected instead of queueing: the publisher's events
    // wait in the outbox (the relay retries), and the bus resubscribes by itself.
    enableOfflineQueue: false,
    autoResubscribe: false,
  };
  const publisher = new Redis(url, common);
  const subscriber = new Redis(url, common);
  const onError = (role: string) => (err: Error) =>
    log.warn({ err: err.message, role }, 'redis connection error');
  publisher.on('error', onError('publisher'));
  subscriber.on('error', onError('subscriber'));
  return new RedisBus(publisher, subscriber, prefix, log);
}
