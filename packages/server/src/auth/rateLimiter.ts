import type { Clock } from '../clock.js';

/** The state of one counter. */
export interface CounterState {
  /** Events counted in the current window (0 when there is none). */
  readonly count: number;
  /** Seconds until the current window ends (0 when there is none). */
  readonly resetIn: number;
}

/**
 * Counts events per key in fixed windows that start at a key's first event. Implementations:
 * in this process ({@link memoryRateLimiter}) and shared across instances (Redis), so that a
 * cluster enforces one limit. The throttling policy lives in `throttle.ts`, not here.
 */
export interface RateLimiter {
  /** Counts one event for `key`, opening a window of `windowSeconds` if none is open; returns the new count. */
  hit(key: string, windowSeconds: number): Promise<number>;
  /** Reads a counter without changing it. */
  peek(key: string): Promise<CounterState>;
  /** Forgets `key`. */
  reset(key: string): Promise<void>;
}

interface Window {
  readonly start: number;
  readonly windowMs: number;
  count: number;
}

/** A {@link RateLimiter} in this process's memory, bounded by evicting the oldest keys. */
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
    async hit(key, windowSeconds) {
      const window = current(key);
      if (window) return ++window.count;
      if (windows.size >= maxKeys) {
        const oldest = windows.keys().next();
        if (!oldest.done) windows.delete(oldest.value);
      }
      windows.set(key, { start: clock.now(), count: 1, windowMs: windowSeconds * 1000 });
      return 1;
    },
    async peek(key) {
      const window = current(key);
      if (!window) return { count: 0, resetIn: 0 };
      return {
        count: window.count,
        resetIn: Math.max(1, Math.ceil((window.start + window.windowMs - clock.now()) / 1000)),
      };
    },
    async reset(key) {
      windows.delete(key);
    },
  };
}
