import type { RefreshUnavailableError } from './errors.js';
import { RETRY_MAX_MS } from './scheduler.js';

/** The wait a server asked for after a failed refresh (`Retry-After`). */
export interface ServerWait {
  /** This device's epoch ms when it ends: at most a minute on, as the background retry waits. */
  readonly until: number;
  /** The failure that asked for it. */
  readonly error: RefreshUnavailableError;
}

/**
 * The wait that a refresh failing at `at` (this device's epoch ms) asks for, or none when its
 * answer had no `Retry-After`: an earlier answer's wait is no longer news.
 */
export function serverWaitAfter(error: RefreshUnavailableError, at: number): ServerWait | undefined {
  const retryAfterMs = error.retryAfterMs;
  if (retryAfterMs === undefined) return undefined;
  return { until: at + Math.min(retryAfterMs, RETRY_MAX_MS), error };
}
