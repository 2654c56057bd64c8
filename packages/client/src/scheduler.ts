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

/**
 * The delay before retry number `attempt` when the server asked to wait `retryAfterMs`
 * (`Retry-After`): the back-off of {@link retryDelayMs}, or the server's wait if that is longer,
 * never more than {@link RETRY_MAX_MS} (a token that expires meanwhile is still renewed on
 * demand). The server's wait is jittered upwards only, by up to a quarter: every client of an
 * outage hears the same Retry-After, and should not all come back in the same second.
 */
export function retryDelayAfter(
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const backOff = retryDelayMs(attempt, random);
  if (retryAfterMs === undefined) return backOff;
  const asked = Math.min(RETRY_MAX_MS, retryAfterMs) * (1 + random() / 4);
  return Math.max(backOff, asked);
}

/** When the next background refresh runs. */
export interface RefreshScheduler {
  /**
   * Re-plans after a change: nothing when signed out; at `refreshAt` (server time) while refreshes
   * succeed; while they fail, after {@link retryDelayMs} or the server's `retryAfterMs`, whichever
   * is later (see {@link retryDelayAfter}).
   */
  plan(state: SessionState | null, failedAttempts: number, retryAfterMs?: number): void;
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
    plan(state, failedAttempts, retryAfterMs) {
      if (state === null || stopped) return timer.clear();
      const delay =
        failedAttempts === 0
          ? state.refreshAt - options.serverNow()
          : retryDelayAfter(failedAttempts, retryAfterMs, options.random);
      timer.set(delay, options.onDue);
    },
    stop() {
      stopped = true;
      timer.clear();
    },
  };
}
