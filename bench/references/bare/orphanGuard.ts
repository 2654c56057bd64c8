/**
 * Exits when the harness that started this server is gone (it passes its pid in
 * `BENCH_PARENT_PID`), so a crashed or killed benchmark never leaves servers behind.
 */
export function exitWithParent(): void {
  const parent = Number(process.env.BENCH_PARENT_PID ?? 0);
  if (!parent) return;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(0);
    }
  }, 1000).unref();
}
