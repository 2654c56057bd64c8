/**
 * Whether a suite that needs an outside runtime (PostgreSQL, Redis, Chromium, Django) runs.
 * Outside CI a missing runtime skips the suite, counted by the test runner and explained by a
 * `skipped: <why>` line; under `CI=true` it fails the run instead, since CI installs and starts
 * every runtime, so a missing one means the suite silently stopped proving anything.
 *
 * @returns `false` to run, or the reason to pass as `{ skip }`.
 */
export function needs(available: boolean, why: string): string | false {
  if (available) return false;
  if (process.env.CI === 'true')
    throw new Error(`${why}: CI=true requires it, so the run fails instead of skipping`);
  console.log(`skipped: ${why}`);
  return why;
}
