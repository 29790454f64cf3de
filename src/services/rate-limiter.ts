import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger';

/**
 * Sliding-window counters and temporary blocks, on real time (security time does not
 * follow the sandbox clock). Backed by Redis when configured so every instance shares
 * them; if Redis is unreachable the instance falls back to its own memory rather than
 * dropping the protection.
 */
export interface RateLimiter {
  /** Records one hit under `key` and returns how many fell within the window, this one included. */
  hit(key: string, windowMs: number): Promise<number>;
  block(key: string, ms: number): Promise<void>;
  isBlocked(key: string): Promise<boolean>;
  reset(key: string): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly blocks = new Map<string, number>();

  async hit(key: string, windowMs: number): Promise<number> {
    const now = Date.now();
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 100_000) this.sweep(now, windowMs);
    return list.length;
  }

  async block(key: string, ms: number): Promise<void> {
    this.blocks.set(key, Date.now() + ms);
  }

  async isBlocked(key: string): Promise<boolean> {
    const until = this.blocks.get(key);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.blocks.delete(key);
    return false;
  }

  async reset(key: string): Promise<void> {
    this.hits.delete(key);
  }

  private sweep(now: number, windowMs: number): void {
    for (const [k, list] of this.hits) if (!list.some((t) => t > now - windowMs)) this.hits.delete(k);
  }
}

export class RedisRateLimiter implements RateLimiter {
  private readonly fallback = new MemoryRateLimiter();
  private seq = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {}

  private async guarded<T>(what: string, run: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      this.log.warn({ err: (err as Error).message, what }, 'rate limiter falling back to memory');
      return local();
    }
  }

  hit(key: string, windowMs: number): Promise<number> {
    return this.guarded(
      'hit',
      async () => {
        const k = this.prefix + key;
        const now = Date.now();
        const member = `${now}-${process.pid}-${this.seq++}`;
        const res = await this.redis
          .multi()
          .zremrangebyscore(k, 0, now - windowMs)
          .zadd(k, now, member)
          .zcard(k)
          .pexpire(k, windowMs)
          .exec();
        if (!res) throw new Error('redis transaction aborted');
        const [err, count] = res[2]!;
        if (err) throw err;
        return Number(count);
      },
      () => this.fallback.hit(key, windowMs),
    );
  }

  block(key: string, ms: number): Promise<void> {
    return this.guarded(
      'block',
      async () => {
        await this.redis.set(this.prefix + key, '1', 'PX', ms);
      },
      () => this.fallback.block(key, ms),
    );
  }

  isBlocked(key: string): Promise<boolean> {
    return this.guarded(
      'isBlocked',
      async () => (await this.redis.exists(this.prefix + key)) === 1,
      () => this.fallback.isBlocked(key),
    );
  }

  reset(key: string): Promise<void> {
    return this.guarded(
      'reset',
      async () => {
        await this.redis.del(this.prefix + key);
      },
      () => this.fallback.reset(key),
    );
  }
}
