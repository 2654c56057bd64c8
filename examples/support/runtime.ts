/**
 * Whether a runtime an example needs is here. Without it a developer's run prints
 * `skipped: <why>` and goes on; under `CI=true` a missing runtime fails the run, because CI
 * installs everything (`scripts/ci-install-system.sh`) and a silent skip there hides a broken
 * install step.
 */
export function missingRuntime(why: string | undefined): string | false {
  if (why === undefined) return false;
  if (process.env.CI === 'true')
    throw new Error(`CI=true, but ${why}: scripts/ci-install-system.sh should install it`);
  console.log(`skipped: ${why}`);
  return why;
}
