import type { Clock } from '../clock.js';

/** The verdict of a limiter for one key. */
export interface LimitState {
  readonly limited: boolean;
  /** Seconds until the key may try again (0 when not limited). */
  readonly retryAfter: number;
}

/**
 * Counts events per key in fixed windows. Implementations: in-process (this file) and shared
 * across instances (Redis), so that a cluster enforces one limit.
 */
export interface RateLimiter {
  /** Whether `key` has reached `max` events in the current window, without counting one. */
  check(key: string, max: number, windowSeconds: number): Promise<LimitState>;
  /** Counts one event for `key`. */
  hit(key: string, windowSeconds: number): Promise<void>;
  /** Forgets `key` (after a successful login, its failures no longer count). */
  reset(key: string): Promise<void>;
}

interface Window {
  start: number;
  count: number;
  windowMs: number;
}

/** A {@link RateLimiter} in this process's memory, pruned as it goes so it stays bounded. */
export function memoryRateLimiter(clock: Clock, maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, Window>();
  const current = (key: string): Window | undefined => {
    const window = windows.get(key);
    if (window && clock.now() - window.start >= window.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };
  return {
    async check(key, max) {
      const window = current(key);
      if (!window || window.count < max) return { limited: false, retryAfter: 0 };
      return {
        limited: true,
        retryAfter: Math.max(1, Math.ceil((window.start + window.windowMs - clock.now()) / 1000)),
      };
    },
    async hit(key, windowSeconds) {
      const window = current(key);
      if (window) {
        window.count++;
        return;
      }
      if (windows.size >= maxKeys) {
        const oldest = windows.keys().next();
        if (!oldest.done) windows.delete(oldest.value);
      }
      windows.set(key, { start: clock.now(), count: 1, windowMs: windowSeconds * 1000 });
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}
