import { Redis } from 'ioredis';
import type { ServerConfig } from '../config.js';
import { type CounterState, memoryRateLimiter, type RateLimiter } from './rateLimiter.js';

/**
 * Counts one event and opens the window on the first one, atomically: INCR and PEXPIRE in one
 * script, so a crash between the two can never leave a counter that never expires.
 */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

export interface RedisRateLimiterOptions {
  /** Prefix of every key, so Baton shares a Redis with other apps. Default `baton:rl:`. */
  readonly prefix?: string;
  /**
   * Counts here while Redis cannot be reached (default: none, errors propagate). Throttling then
   * degrades to per-instance limits instead of failing every login.
   */
  readonly fallback?: RateLimiter;
  /** Told about each Redis failure that the fallback absorbed. */
  readonly onError?: (error: unknown) => void;
}

/**
 * A {@link RateLimiter} whose counters live in Redis, so all instances of a deployment enforce one
 * limit: an attacker spreading attempts over N instances gets no N-fold budget. Windows are fixed
 * and start at a key's first event, exactly like the in-process limiter, with Redis's own expiry
 * ending them.
 *
 * @example
 * const limiter = redisRateLimiter(new Redis('redis://127.0.0.1:6379'), { fallback: memoryRateLimiter(clock) });
 */
export function redisRateLimiter(redis: Redis, options: RedisRateLimiterOptions = {}): RateLimiter {
  const prefix = options.prefix ?? 'baton:rl:';
  const { fallback, onError } = options;
  const guarded = async <T>(
    remote: () => Promise<T>,
    local: (limiter: RateLimiter) => Promise<T>,
  ): Promise<T> => {
    try {
      return await remote();
    } catch (error) {
      if (!fallback) throw error;
      onError?.(error);
      return local(fallback);
    }
  };
  return {
    hit(key, windowSeconds) {
      return guarded(
        async () => Number(await redis.eval(HIT, 1, prefix + key, Math.round(windowSeconds * 1000))),
        (local) => local.hit(key, windowSeconds),
      );
    },
    peek(key) {
      return guarded(
        async (): Promise<CounterState> => {
          const results = await redis
            .multi()
            .get(prefix + key)
            .pttl(prefix + key)
            .exec();
          const count = Number(results?.[0]?.[1] ?? 0);
          const ttl = Number(results?.[1]?.[1] ?? -2);
          // PTTL is -2 for a missing key and -1 for one without expiry (never made by HIT).
          if (!count || ttl < 0) return { count: 0, resetIn: 0 };
          return { count, resetIn: Math.max(1, Math.ceil(ttl / 1000)) };
        },
        (local) => local.peek(key),
      );
    },
    reset(key) {
      return guarded(
        async () => {
          await redis.del(prefix + key);
        },
        (local) => local.reset(key),
      );
    },
  };
}

/** The limiter a deployment's configuration selects, and how to release it. */
export interface OpenedRateLimiter {
  readonly limiter: RateLimiter;
  close(): Promise<void>;
}

/**
 * Opens the rate limiter of `config`: Redis when `redisUrl` is set (falling back to in-process
 * counters while Redis is unreachable, so an outage never blocks logins), otherwise in-process.
 */
export async function openRateLimiter(
  config: Pick<ServerConfig, 'redisUrl' | 'clock'>,
  onError: (error: unknown) => void = () => {},
): Promise<OpenedRateLimiter> {
  const local = memoryRateLimiter(config.clock);
  if (config.redisUrl === undefined) return { limiter: local, close: async () => {} };
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    // Fail fast while disconnected instead of queueing: the fallback answers meanwhile.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
  });
  redis.on('error', () => {});
  await redis.connect().catch(onError);
  return {
    limiter: redisRateLimiter(redis, { fallback: local, onError }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
