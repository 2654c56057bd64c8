import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from './stacks.js';

/** The most logins per second one Baton process can do: its hashing threads / one verification's time. */
export interface HashLimit {
  readonly verifiesPerSecond: number;
  readonly threads: number;
  readonly loginsPerSecond: number;
}

/**
 * Times argon2id verification with the parameters of the built server (`ARGON2_OPTIONS`) in a
 * process of its own, and multiplies by its hashing threads (`HASH_CONCURRENCY`).
 */
export async function measureHashLimit(seconds: number): Promise<HashLimit> {
  const main = fileURLToPath(new URL('./hashTimeMain.ts', import.meta.url));
  const passwords = join(REPO_ROOT, 'packages/server/dist/auth/passwords.js');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', main, passwords, String(seconds)],
    { cwd: REPO_ROOT, timeout: 60_000 },
  );
  const { verifiesPerSecond, threads } = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    verifiesPerSecond: number;
    threads: number;
  };
  return { verifiesPerSecond, threads, loginsPerSecond: verifiesPerSecond * threads };
}
