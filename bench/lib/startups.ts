import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './http.js';
import { BENCH_WORK, type Stack } from './stacks.js';
import { median } from './stats.js';

/** Start-up times of one server, each from spawn to its first 200, on an empty data dir. */
export interface Startups {
  /** Milliseconds, in the order measured. */
  readonly samplesMs: readonly number[];
  readonly medianMs: number;
}

/**
 * Starts `stack` `count` times in a row, each on a fresh data dir (for Baton: schema creation and
 * key generation included), and stops each after its first 200 and removes its data dir. One start
 * is not a measurement on a shared 2-core machine: the same build started in 370-600 ms within
 * minutes.
 */
export async function measureStartups(stack: Stack, count: number): Promise<Startups> {
  const samplesMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const workDir = mkdtempSync(join(BENCH_WORK, 'start-'));
    const server = await stack.launch(await freePort(), workDir);
    samplesMs.push(server.startupMs);
    await server.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
  return { samplesMs, medianMs: median(samplesMs, (ms) => ms) ?? Number.NaN };
}
