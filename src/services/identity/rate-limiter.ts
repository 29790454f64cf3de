import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../../lib/logger';

/** The sign-in limits of SPEC section 2, from the configuration. */
export interface SignInLimits {
  /** Failed sign-ins of one email within the window that lock it for a window. */
  failuresPerEmail: number;
  /** Sign-in attempts of one address within the window. */
  attemptsPerAddress: number;
  windowMs: number;
}

export type SignInAdmission =
  | { admitted: true; /** Identifies this attempt when its outcome is reported. */ attempt: string }
  | { admitted: false };

/** The shared counters cannot be reached: sign-in fails closed rather than counting per instance. */
export class RateLimiterUnavailable extends Error {
  constructor(cause: unknown) {
    super(`rate limiter unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

/**
 * Sliding-window counters, on real time (security time does not follow the sandbox clock).
 * Backed by Redis when configured, so every instance shares them; in memory in the
 * single-process mode without Redis.
 *
 * Sign-in counts an attempt before its password is checked, in one atomic step that also
 * decides whether it may go ahead: an attempt holds one of the email's failure slots until
 * it is known to have succeeded. Parallel guesses therefore cannot get more password checks
 * than the limit allows, whatever their timing.
 */
export interface RateLimiter {
  /** Records one hit under `key` and returns how many fell within the window, this one included. */
  hit(key: string, windowMs: number): Promise<number>;
  /**
   * Counts one sign-in attempt for the address, and for the email as a failure until told
   * otherwise; refuses it when the address is over its limit, the email is locked, or the
   * email's failure slots are taken. Throws `RateLimiterUnavailable` if the counters cannot
   * be reached.
   */
  admitSignIn(email: string, address: string, limits: SignInLimits): Promise<SignInAdmission>;
  /** The password was wrong: the attempt stays counted, and the last allowed failure locks the email. */
  signInFailed(email: string, attempt: string, limits: SignInLimits): Promise<void>;
  /** The password was right: the email's failures are forgotten. */
  signInSucceeded(email: string, attempt: string): Promise<void>;
}

const keys = (email: string, address: string) => ({
  address: `signin:addr:${address}`,
  failures: `signin:fail:${email}`,
  lock: `signin:lock:${email}`,
});
const newAttempt = (): string => randomBytes(9).toString('base64url');

export class MemoryRateLimiter implements RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly locks = new Map<string, number>();
  /** Attempt ids per email, with their time: the failure slots (in flight or failed). */
  private readonly attempts = new Map<string, Map<string, number>>();

  async hit(key: string, windowMs: number): Promise<number> {
    return this.count(key, windowMs);
  }

  // No await between the checks and the counts: one step of the event loop, hence atomic.
  async admitSignIn(email: string, address: string, limits: SignInLimits): Promise<SignInAdmission> {
    const k = keys(email, address);
    const now = Date.now();
    if (this.count(k.address, limits.windowMs) > limits.attemptsPerAddress) return { admitted: false };
    const lockedUntil = this.locks.get(k.lock);
    if (lockedUntil !== undefined && lockedUntil > now) return { admitted: false };
    this.locks.delete(k.lock);
    const slots = this.attempts.get(k.failures) ?? new Map<string, number>();
    for (const [id, t] of slots) if (t <= now - limits.windowMs) slots.delete(id);
    if (slots.size >= limits.failuresPerEmail) return { admitted: false };
    const attempt = newAttempt();
    slots.set(attempt, now);
    this.attempts.set(k.failures, slots);
    if (this.attempts.size > 100_000) this.sweepAttempts(now, limits.windowMs);
    return { admitted: true, attempt };
  }

  private count(key: string, windowMs: number): number {
    const now = Date.now();
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    list.push(now);
    this.hits.set(key, list);
    if (this.hits.size > 100_000) this.sweep(now, windowMs);
    return list.length;
  }

  async signInFailed(email: string, _attempt: string, limits: SignInLimits): Promise<void> {
    const k = keys(email, '');
    const slots = this.attempts.get(k.failures);
    if (slots && slots.size >= limits.failuresPerEmail) {
      this.locks.set(k.lock, Date.now() + limits.windowMs);
      this.attempts.delete(k.failures);
    }
  }

  async signInSucceeded(email: string): Promise<void> {
    const k = keys(email, '');
    this.attempts.delete(k.failures);
    this.locks.delete(k.lock);
  }

  private sweep(now: number, windowMs: number): void {
    for (const [k, list] of this.hits) if (!list.some((t) => t > now - windowMs)) this.hits.delete(k);
  }

  private sweepAttempts(now: number, windowMs: number): void {
    for (const [k, slots] of this.attempts) {
      if (![...slots.values()].some((t) => t > now - windowMs)) this.attempts.delete(k);
    }
    for (const [k, until] of this.locks) if (until <= now) this.locks.delete(k);
  }
}

/**
 * KEYS: address window, email failure slots, email lock. ARGV: window ms, attempt id,
 * attempts per address, failures per email. Returns 1 when admitted, 0 when refused. Time is
 * Redis's own, so instances with skewed clocks agree.
 */
const ADMIT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], 0, now - window)
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], window)
if redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[3]) then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], 0, now - window)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', KEYS[2], window)
return 1`;

/** KEYS: email failure slots, email lock. ARGV: failures per email, lock ms. */
const FAILED = `
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
  redis.call('DEL', KEYS[1])
  return 1
end
return 0`;

type LimiterRedis = Redis & {
  signinAdmit(...args: (string | number)[]): Promise<number>;
  signinFailed(...args: (string | number)[]): Promise<number>;
};

/**
 * The rate limiter's own Redis connection: every command has a deadline, and nothing is
 * queued while disconnected, so a sign-in with Redis away answers at once instead of waiting.
 */
export function createRateLimitRedis(url: string, log: Logger, commandTimeoutMs: number): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 2000),
  });
  client.on('error', (err: Error) =>
    log.warn({ err: err.message, role: 'rate-limits' }, 'redis connection error'),
  );
  return client;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly fallback = new MemoryRateLimiter();
  private readonly redis: LimiterRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    redis.defineCommand('signinAdmit', { numberOfKeys: 3, lua: ADMIT });
    redis.defineCommand('signinFailed', { numberOfKeys: 2, lua: FAILED });
    this.redis = redis as LimiterRedis;
  }

  /**
   * Only `simulateDecision` uses plain hits: an abuse brake, not a security control, so an
   * outage falls back to this instance's memory rather than refusing every simulation.
   */
  async hit(key: string, windowMs: number): Promise<number> {
    try {
      const k = this.prefix + key;
      const now = Date.now();
      const res = await this.redis
        .multi()
        .zremrangebyscore(k, 0, now - windowMs)
        .zadd(k, now, `${now}-${newAttempt()}`)
        .zcard(k)
        .pexpire(k, windowMs)
        .exec();
      if (!res) throw new Error('redis transaction aborted');
      const [err, count] = res[2]!;
      if (err) throw err;
      return Number(count);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'rate limiter falling back to memory for a hit');
      return this.fallback.hit(key, windowMs);
    }
  }

  async admitSignIn(email: string, address: string, limits: SignInLimits): Promise<SignInAdmission> {
    const k = keys(email, address);
    const attempt = newAttempt();
    let admitted: number;
    try {
      admitted = await this.redis.signinAdmit(
        this.prefix + k.address,
        this.prefix + k.failures,
        this.prefix + k.lock,
        limits.windowMs,
        attempt,
        limits.attemptsPerAddress,
        limits.failuresPerEmail,
      );
    } catch (err) {
      throw new RateLimiterUnavailable(err);
    }
    return admitted === 1 ? { admitted: true, attempt } : { admitted: false };
  }

  async signInFailed(email: string, _attempt: string, limits: SignInLimits): Promise<void> {
    const k = keys(email, '');
    // If this fails the attempt simply stays counted as a failure: the safe side.
    await this.redis
      .signinFailed(this.prefix + k.failures, this.prefix + k.lock, limits.failuresPerEmail, limits.windowMs)
      .catch((err: Error) => this.log.warn({ err: err.message }, 'could not record a failed sign-in'));
  }

  async signInSucceeded(email: string): Promise<void> {
    const k = keys(email, '');
    await this.redis
      .del(this.prefix + k.failures, this.prefix + k.lock)
      .catch((err: Error) => this.log.warn({ err: err.message }, 'could not reset sign-in failures'));
  }
}
