import type { ServerConfig } from '../config.js';
import type { Store } from './store.js';

/** Expired one-time tokens are kept this long, so a late click still hears "expired", not "invalid". */
const KEEP_EXPIRED_LINKS_MS = 7 * 86_400_000;
/** Spent refresh tokens deleted per statement: short statements, other work between them. */
const RETENTION_ROUND = 1000;
const HOUR_MS = 3_600_000;

/** The store's housekeeping, run by timers and on demand (`app.baton.sweep()`). */
export interface Sweeps {
  /** Runs every sweep now: grace secrets, expired links and, at most hourly unless forced, spent tokens. */
  run(options?: { readonly retention?: boolean }): Promise<void>;
  /** Stops the timer. */
  stop(): void;
}

/**
 * Housekeeping on a timer that never keeps the process alive; a failed sweep is retried at the next
 * tick. Every window of grace (at most a minute apart) it drops the sealed successors of refresh
 * tokens whose grace window has ended, so a copy of the database holds nothing a spent token opens,
 * and one-time tokens a week past their expiry. Every hour it deletes refresh tokens spent longer
 * ago than the refresh idle lifetime: reuse detection covers that long, and the table stays bounded
 * by the rotations of one idle lifetime instead of growing with every refresh ever made.
 */
export function startSweeps(store: Store, config: ServerConfig): Sweeps {
  let lastRetention = Number.NEGATIVE_INFINITY;
  const deleteSpentTokens = async (usedBefore: number) => {
    while ((await store.deleteSpentTokens(usedBefore, RETENTION_ROUND)) === RETENTION_ROUND) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const run = async (options: { readonly retention?: boolean } = {}) => {
    const now = config.clock.now();
    const retention = options.retention || now - lastRetention >= HOUR_MS;
    if (retention) lastRetention = now;
    // Each sweep on its own: one that fails leaves the others to run; the first failure is reported.
    const outcomes = await Promise.allSettled([
      store.dropGraceSecrets(now - config.refreshGrace * 1000),
      store.dropExpiredOneTimeTokens(now - KEEP_EXPIRED_LINKS_MS),
      retention ? deleteSpentTokens(now - config.refreshIdleTtl * 1000) : undefined,
    ]);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  };
  const everyMs = Math.min(60, Math.max(1, config.refreshGrace)) * 1000;
  const timer = setInterval(() => {
    run().catch(() => {});
  }, everyMs);
  timer.unref();
  return { run, stop: () => clearInterval(timer) };
}
