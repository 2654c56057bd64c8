/** The `p`th percentile (0-100) of `samples` by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The element whose `key` is the median (the middle one of an odd count); undefined for none. */
export function median<T>(items: readonly T[], key: (item: T) => number): T | undefined {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor((items.length - 1) / 2)];
}

/** Calls `step` in `concurrency` loops until `seconds` have passed; counts what each call returned. */
export async function loopFor(
  seconds: number,
  concurrency: number,
  step: (loop: number) => Promise<boolean>,
): Promise<{ ok: number; failed: number; perSecond: number }> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      while (performance.now() < deadline) {
        if (await step(loop).catch(() => false)) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { ok, failed, perSecond: ok / elapsed };
}
