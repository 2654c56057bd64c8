import type { SessionState } from './session.js';
import { createTimer, type Timers } from './timers.js';

/** First retry after a failed refresh. */
export const RETRY_BASE_MS = 1000;
/** Retries never wait longer than this (before jitter). */
export const RETRY_MAX_MS = 60_000;

/**
 * The delay before retry number `attempt` (1, 2, ...) of a failed refresh: 1 s doubling up to
 * 60 s, times a jitter factor in [0.75, 1.25), so that the clients of an outage do not all come
 * back in the same second.
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (Math.max(1, attempt) - 1)) * (0.75 + random() / 2);
}

/** When the next background refresh runs. */
export interface RefreshScheduler {
  /**
   * Re-plans after a change: nothing when signed out; at `refreshAt` (server time) while refreshes
   * succeed; after {@link retryDelayMs} while they fail.
   */
  plan(state: SessionState | null, failedAttempts: number): void;
  stop(): void;
}

export function createRefreshScheduler(options: {
  readonly timers: Timers;
  /** The server's time estimate (epoch ms): this device's clock corrected by the session's skew. */
  readonly serverNow: () => number;
  readonly random?: () => number;
  readonly onDue: () => void;
}): RefreshScheduler {
  const timer = createTimer(options.timers);
  let stopped = false;
  return {
    plan(state, failedAttempts) {
      if (state === null || stopped) return timer.clear();
      const delay =
        failedAttempts === 0
          ? state.refreshAt - options.serverNow()
          : retryDelayMs(failedAttempts, options.random);
      timer.set(delay, options.onDue);
    },
    stop() {
      stopped = true;
      timer.clear();
    },
  };
}
