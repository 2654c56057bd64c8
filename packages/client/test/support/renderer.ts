import { readdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** Resident memory (bytes) of every renderer process of the Chromium that uses `profile`. */
function rendererMemory(profile: string): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Chromium rewrites its argv into one space-separated string: match words, not arguments.
      const words = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split(/[\0 ]/);
      if (!words.includes('--type=renderer') || !words.includes(`--user-data-dir=${profile}`)) continue;
      const residentPages = Number(readFileSync(`/proc/${entry}/statm`, 'utf8').split(' ')[1]);
      sizes.set(Number(entry), residentPages * 4096);
    } catch {
      // The process ended while we looked.
    }
  }
  return sizes;
}

/**
 * The PID of the renderer process that runs `page`. Chromium does not say which process renders
 * which tab, so the page allocates and touches 160 MB: the one renderer that grew by that much is
 * its own. (Idle renderers do not grow by a hundred megabytes in a moment.)
 */
export async function rendererPid(page: Page, profile: string): Promise<number> {
  const before = rendererMemory(profile);
  await page.evaluate(() => {
    (window as { ballast?: Uint8Array | undefined }).ballast = new Uint8Array(160 * 1024 * 1024).fill(1);
  });
  const grown = [...rendererMemory(profile)].filter(
    ([pid, size]) => size - (before.get(pid) ?? 0) > 100 * 1024 * 1024,
  );
  await page.evaluate(() => {
    (window as { ballast?: Uint8Array | undefined }).ballast = undefined;
  });
  if (grown.length !== 1) throw new Error(`expected one renderer to grow, found ${grown.length}`);
  return grown[0]![0];
}
