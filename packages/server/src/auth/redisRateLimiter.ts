import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Granted, Limit, RateLimiter, Reservation } from './rateLimiter.js';

/**
 * The limiter's two steps as Lua functions, shared by its three scripts. Redis runs each script
 * without interleaving any other client's command, so each step, and an exchange (a release and
 * then a reservation), is atomic.
 *
 * `reserve`: first every limit is checked (a count below its maximum, no lock on a backoff key),
 * and only if all pass is the event counted on all of them. The first count opens the window
 * (PEXPIRE in the same script, so no counter can be left without an expiry), and a backoff count
 * past its free events sets the lock key. Reads its limits from `keys` from index `k` and from
 * `args` from index `a`: per limit, its counter, then (backoff only) its lock; and "c" max windowMs,
 * or "b" free windowMs baseMs maxMs. Returns {1, locked indexes...} or {0, milliseconds to wait}.
 *
 * `release`: one less on each of the first `counters` keys from `first` to `last` that still
 * exists (never below zero, never reviving an expired window), and the other keys (locks) deleted.
 */
const STEPS = `
local function reserve(keys, k, args, a)
  local limits = {}
  while a <= #args do
    if args[a] == 'c' then
      limits[#limits + 1] = { counter = keys[k], max = tonumber(args[a + 1]), window = tonumber(args[a + 2]) }
      a, k = a + 3, k + 1
    else
      limits[#limits + 1] = { counter = keys[k], lock = keys[k + 1], free = tonumber(args[a + 1]),
        window = tonumber(args[a + 2]), base = tonumber(args[a + 3]), cap = tonumber(args[a + 4]) }
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
  return answer
end
local function release(keys, first, counters, last)
  for i = first, last do
    if i < first + counters then
      if tonumber(redis.call('GET', keys[i]) or '0') > 0 then redis.call('DECR', keys[i]) end
    else
      redis.call('DEL', keys[i])
    end
  end
end
`;

/** KEYS and ARGV: one reservation's (see {@link STEPS}). */
const RESERVE = `${STEPS}
return reserve(KEYS, 1, ARGV, 1)`;

/** KEYS: the counters, then the locks, to hand back; ARGV[1]: how many counters. */
const RELEASE = `${STEPS}
release(KEYS, 1, tonumber(ARGV[1]), #KEYS)
return 0`;

/**
 * A release and then a reservation, in one round trip. KEYS: the release's keys, then the
 * reservation's; ARGV: how many counters and how many keys in all the release has, then the
 * reservation's arguments.
 */
const EXCHANGE = `${STEPS}
local released = tonumber(ARGV[2])
release(KEYS, 1, tonumber(ARGV[1]), released)
return reserve(KEYS, released + 1, ARGV, 3)`;

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
const exchangeScript = cachedScript(EXCHANGE);

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
  /** A reservation of `limits` as the script reads it (see {@link STEPS}). */
  const reservationOf = (limits: readonly Limit[]) => {
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
    return { keys, args };
  };
  /** The script's answer to a reservation of `limits`. */
  const answerOf = (limits: readonly Limit[], answer: number[]): Reservation => {
    if (answer[0] !== 1)
      return { granted: false, retryAfter: Math.max(1, Math.ceil(Number(answer[1]) / 1000)) };
    const locked = answer.slice(1).map((index) => limits[index - 1]?.key ?? '');
    return { granted: true, locked: locked.filter(Boolean) };
  };
  /** The keys a release of `limits` touches: the counters, then the locks `reservation` set. */
  const releaseKeys = (limits: readonly Limit[], reservation: Granted) => [
    ...limits.map(counter),
    ...reservation.locked.map(lock),
  ];
  return {
    reserve(limits) {
      return guarded(
        async () => {
          const { keys, args } = reservationOf(limits);
          return answerOf(limits, (await reserveScript(redis, keys, args)) as number[]);
        },
        (local) => local.reserve(limits),
      );
    },
    release(limits, reservation) {
      return guarded(
        async () => {
          await releaseScript(redis, releaseKeys(limits, reservation), [limits.length]);
        },
        (local) => local.release(limits, reservation),
      );
    },
    exchange(returned, limits) {
      return guarded(
        async () => {
          const released = releaseKeys(returned.limits, returned.reservation);
          const { keys, args } = reservationOf(limits);
          const answer = await exchangeScript(
            redis,
            [...released, ...keys],
            [returned.limits.length, released.length, ...args],
          );
          return answerOf(limits, answer as number[]);
        },
        (local) => local.exchange(returned, limits),
      );
    },
  };
}
