import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Granted, Limit, RateLimiter, Reservation } from './rateLimiter.js';

/**
 * `reserve` as one script, so that Redis runs it without interleaving any other client's command:
 * first every limit is checked (a count below its maximum, no lock on a backoff key), and only if
 * all pass is the event counted on all of them. The first count opens the window (PEXPIRE in the
 * same script, so no counter can be left without an expiry), and a backoff count past its free
 * events sets the lock key. Returns {1, locked indexes...} or {0, milliseconds to wait}.
 *
 * KEYS: per limit, its counter, then (backoff only) its lock.
 * ARGV: per limit, "c" max windowMs, or "b" free windowMs baseMs maxMs.
 */
const RESERVE = `
local limits = {}
local a, k = 1, 1
while a <= #ARGV do
  if ARGV[a] == 'c' then
    limits[#limits + 1] = { counter = KEYS[k], max = tonumber(ARGV[a + 1]), window = tonumber(ARGV[a + 2]) }
    a, k = a + 3, k + 1
  else
    limits[#limits + 1] = { counter = KEYS[k], lock = KEYS[k + 1], free = tonumber(ARGV[a + 1]),
      window = tonumber(ARGV[a + 2]), base = tonumber(ARGV[a + 3]), cap = tonumber(ARGV[a + 4]) }
    a, k = a + 5, k + 2
  end
end
local wait = 0
for _, l in ipairs(limits) do
  if l.lock then
    wait = math.max(wait, redis.call('PTTL', l.lock))
  elseif tonumber(redis.call('GET', l.counter) or '0') >= l.max then
    wait = math.max(wait, redis.call('PTTL', l.counter), 1)
  end
end
if wait > 0 then return { 0, wait } end
local answer = { 1 }
for i, l in ipairs(limits) do
  local count = redis.call('INCR', l.counter)
  if count == 1 then redis.call('PEXPIRE', l.counter, l.window) end
  if l.lock and count > l.free then
    local ms = math.min(l.base * 2 ^ math.min(count - l.free - 1, 30), l.cap)
    redis.call('SET', l.lock, '1', 'PX', math.floor(ms))
    answer[#answer + 1] = i
  end
end
return answer`;

/**
 * Hands a reservation back: one less on each counter that still exists (never below zero, never
 * reviving an expired window) and the given locks deleted.
 * KEYS: the counters, then the locks; ARGV[1]: how many counters.
 */
const RELEASE = `
local counters = tonumber(ARGV[1])
for i = 1, #KEYS do
  if i <= counters then
    if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
  else
    redis.call('DEL', KEYS[i])
  end
end
return 0`;

/**
 * Runs `script` by its SHA-1 (EVALSHA). When Redis does not have it (after a restart or SCRIPT
 * FLUSH) it is loaded with SCRIPT LOAD, which Redis 8 never evicts (scripts sent with EVAL it may
 * evict when an app sends many), and run again; EVAL only if it vanished in between. Every
 * reservation sends 40 bytes instead of the script's kilobyte, and Redis skips hashing that
 * kilobyte on every call.
 */
function cachedScript(source: string) {
  const sha = createHash('sha1').update(source).digest('hex');
  const isNoScript = (error: unknown) => error instanceof Error && error.message.startsWith('NOSCRIPT');
  return async (
    redis: Redis,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> => {
    const byDigest = () => redis.evalsha(sha, keys.length, ...keys, ...args);
    try {
      return await byDigest();
    } catch (error) {
      if (!isNoScript(error)) throw error;
    }
    await redis.script('LOAD', source);
    try {
      return await byDigest();
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(source, keys.length, ...keys, ...args);
    }
  };
}

const reserveScript = cachedScript(RESERVE);
const releaseScript = cachedScript(RELEASE);

export interface RedisRateLimiterOptions {
  /**
   * Prefix of every key, so Baton shares a Redis with other apps. Default `{baton-rl}:`: the braces
   * are a Redis Cluster hash tag, which keeps every key of one script on one shard.
   */
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
 * limit: an attacker spreading attempts over N instances, or sending them all at once, gets no
 * larger budget. Windows are fixed and start at a key's first event, as in the in-process limiter,
 * with Redis's own expiry ending them.
 *
 * @example
 * const limiter = redisRateLimiter(new Redis('redis://127.0.0.1:6379'), { fallback: memoryRateLimiter(clock) });
 */
export function redisRateLimiter(redis: Redis, options: RedisRateLimiterOptions = {}): RateLimiter {
  const prefix = options.prefix ?? '{baton-rl}:';
  const { fallback, onError } = options;
  const counter = (limit: Limit) => `${prefix}${limit.key}`;
  const lock = (key: string) => `${prefix}${key}:lock`;
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
    reserve(limits) {
      return guarded(
        async (): Promise<Reservation> => {
          const keys: string[] = [];
          const args: (string | number)[] = [];
          for (const limit of limits) {
            keys.push(counter(limit));
            if (limit.kind === 'count') {
              args.push('c', limit.max, limit.windowSeconds * 1000);
            } else {
              keys.push(lock(limit.key));
              args.push(
                'b',
                limit.free,
                limit.windowSeconds * 1000,
                limit.baseSeconds * 1000,
                limit.maxSeconds * 1000,
              );
            }
          }
          const answer = (await reserveScript(redis, keys, args)) as number[];
          if (answer[0] !== 1)
            return { granted: false, retryAfter: Math.max(1, Math.ceil(Number(answer[1]) / 1000)) };
          const locked = answer.slice(1).map((index) => limits[index - 1]?.key ?? '');
          return { granted: true, locked: locked.filter(Boolean) };
        },
        (local) => local.reserve(limits),
      );
    },
    release(limits, reservation: Granted) {
      return guarded(
        async () => {
          const keys = [...limits.map(counter), ...reservation.locked.map(lock)];
          await releaseScript(redis, keys, [limits.length]);
        },
        (local) => local.release(limits, reservation),
      );
    },
  };
}
