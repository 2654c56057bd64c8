import { test } from 'node:test';

/**
 * Whether a suite that needs an outside runtime (PostgreSQL, Redis, Chromium, Django) runs.
 * Outside CI a missing runtime skips the suite: a `skipped: <why>` line is printed and one skipped
 * test is registered, so the runner's summary counts it. Under `CI=true` it fails the run instead,
 * since CI installs and starts every runtime: a missing one means the suite silently stopped
 * proving anything.
 *
 * @returns `false` to run, or the reason to pass as `{ skip }`.
 */
export function needs(available: boolean, why: string): string | false {
  if (available) return false;
  if (process.env.CI === 'true')
    throw new Error(`${why}: CI=true requires it, so the run fails instead of skipping`);
  console.log(`skipped: ${why}`);
  test(`needs ${why}`, { skip: why }, () => {});
  return why;
}
