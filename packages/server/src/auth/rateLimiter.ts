import { setBounded } from '../boundedMap.js';
import type { Clock } from '../clock.js';

/** At most `max` events for `key` in a window of `windowSeconds` that opens at the key's first event. */
export interface CountLimit {
  readonly kind: 'count';
  readonly key: string;
  readonly max: number;
  readonly windowSeconds: number;
}

/**
 * Events for `key` counted over `windowSeconds`; the first `free` pass, and each one beyond them
 * locks the key for `baseSeconds`, doubling with every further event, at most `maxSeconds`.
 */
export interface BackoffLimit {
  readonly kind: 'backoff';
  readonly key: string;
  readonly free: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  readonly windowSeconds: number;
}

export type Limit = CountLimit | BackoffLimit;

/** The answer to {@link RateLimiter.reserve}. */
export type Reservation =
  | {
      readonly granted: true;
      /** Keys of the backoff limits whose lock this reservation switched on. */
      readonly locked: readonly string[];
    }
  | {
      readonly granted: false /** Whole seconds until the blocking window or lock ends (at least 1). */;
      readonly retryAfter: number;
    };

/** A granted reservation. */
export type Granted = Extract<Reservation, { granted: true }>;

/**
 * Counts events against limits, atomically: {@link reserve} checks every limit and, only if all
 * of them allow one more event, counts it on all of them, in one step that no concurrent caller
 * can interleave with. Callers reserve *before* the slow work (a password hash) and hand the event
 * back with {@link release} when it turns out not to count (a successful login), so a burst of
 * parallel requests is limited exactly like the same requests one after the other.
 *
 * Implementations: in this process ({@link memoryRateLimiter}) and in Redis (one Lua script, so
 * every instance of a deployment shares one count). The policy (which keys, which limits) lives in
 * `throttle.ts`.
 */
export interface RateLimiter {
  reserve(limits: readonly Limit[]): Promise<Reservation>;
  /** Hands back a granted reservation: one event less on each limit, and the locks it switched on lifted. */
  release(limits: readonly Limit[], reservation: Granted): Promise<void>;
  /**
   * Hands back `returned`, then reserves `limits`, in one step: for an attempt that turns out not
   * to count at the moment it needs its next reservation (a refresh token found genuine, then
   * counted against its user). The hand-back happens whether or not the reservation is granted;
   * when the call fails (Redis unreachable and no fallback), neither happens, and the handed-back
   * events stay counted until their window ends. On Redis one round trip instead of two.
   */
  exchange(returned: Returned, limits: readonly Limit[]): Promise<Reservation>;
}

/** A granted reservation of `limits`, to hand back. */
export interface Returned {
  readonly limits: readonly Limit[];
  readonly reservation: Granted;
}

/** Seconds of lock for the `count`th event of a backoff limit (0 while the event is free). */
export function backoffSeconds(limit: BackoffLimit, count: number): number {
  if (count <= limit.free) return 0;
  const doublings = Math.min(count - limit.free - 1, 30);
  return Math.min(limit.baseSeconds * 2 ** doublings, limit.maxSeconds);
}

interface Window {
  readonly start: number;
  readonly windowMs: number;
  count: number;
}

/**
 * A {@link RateLimiter} in this process's memory, on the injected clock. JavaScript runs
 * `reserve` to completion before any other request's code, which is what makes it atomic here.
 * Bounded: beyond `maxKeys` windows the oldest are forgotten.
 */
export function memoryRateLimiter(clock: Clock, maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, Window>();
  const locks = new Map<string, number>();
  const current = (key: string, now: number): Window | undefined => {
    const window = windows.get(key);
    if (window && now - window.start >= window.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };
  const lockedUntil = (key: string, now: number): number => {
    const until = locks.get(key) ?? 0;
    if (until <= now) locks.delete(key);
    return until;
  };
  const reserve = (limits: readonly Limit[]): Reservation => {
    const now = clock.now();
    let blockedUntil = 0;
    for (const limit of limits) {
      if (limit.kind === 'backoff') {
        blockedUntil = Math.max(blockedUntil, lockedUntil(limit.key, now));
        continue;
      }
      const window = current(limit.key, now);
      if (window && window.count >= limit.max)
        blockedUntil = Math.max(blockedUntil, window.start + window.windowMs);
    }
    if (blockedUntil > now)
      return { granted: false, retryAfter: Math.max(1, Math.ceil((blockedUntil - now) / 1000)) };
    const locked: string[] = [];
    for (const limit of limits) {
      const window = current(limit.key, now);
      const count = window ? ++window.count : 1;
      if (!window)
        setBounded(windows, limit.key, { start: now, windowMs: limit.windowSeconds * 1000, count }, maxKeys);
      const lockSeconds = limit.kind === 'backoff' ? backoffSeconds(limit, count) : 0;
      if (lockSeconds > 0) {
        setBounded(locks, limit.key, now + lockSeconds * 1000, maxKeys);
        locked.push(limit.key);
      }
    }
    return { granted: true, locked };
  };
  const release = (limits: readonly Limit[], reservation: Granted): void => {
    const now = clock.now();
    for (const limit of limits) {
      const window = current(limit.key, now);
      if (window && window.count > 0) window.count -= 1;
    }
    for (const key of reservation.locked) locks.delete(key);
  };
  return {
    reserve: async (limits) => reserve(limits),
    release: async (limits, reservation) => release(limits, reservation),
    async exchange(returned, limits) {
      release(returned.limits, returned.reservation);
      return reserve(limits);
    },
  };
}
