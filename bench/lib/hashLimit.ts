import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './stacks.js';

const MAIN = fileURLToPath(new URL('./hashTimeMain.ts', import.meta.url));
const PASSWORDS = join(REPO_ROOT, 'packages/server/dist/auth/passwords.js');

/** The most logins per second one Baton process can do: its hashing threads / one verification's time. */
export interface HashLimit {
  readonly verifiesPerSecond: number;
  readonly threads: number;
  readonly loginsPerSecond: number;
}

/** What one `hashTimeMain.ts` process reports at its end. */
interface HashTiming {
  readonly verifiesPerSecond: number;
  readonly threads: number;
  readonly nice: number;
}

/** One `hashTimeMain.ts` process: `hashing` settles when it begins to hash, `done` when it ends. */
function timeHashing(
  seconds: number,
  atBatonNice: boolean,
  passwords = PASSWORDS,
): { readonly hashing: Promise<void>; readonly done: Promise<HashTiming> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, passwords, String(seconds), ...(atBatonNice ? ['--at-baton-nice'] : [])],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], timeout: 60_000 + seconds * 1000 },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let began: () => void = () => {};
  const hashing = new Promise<void>((resolve) => {
    began = resolve;
  });
  const done = (async () => {
    let timing: HashTiming | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'HASHING') began();
      else if (line.startsWith('{')) timing = JSON.parse(line) as HashTiming;
    }
    const code = await exited;
    if (!timing) throw new Error(`the argon2 timing process exited with ${code} before reporting`);
    return timing;
  })();
  // A process that fails before it hashes must not leave `hashing` waiting for ever.
  return { hashing: Promise.race([hashing, done.then(() => {})]), done };
}

/**
 * Times argon2id verification with the parameters of the built server (`ARGON2_OPTIONS`) in a
 * process of its own, and multiplies by its hashing threads (`HASH_CONCURRENCY`).
 */
export async function measureHashLimit(seconds: number): Promise<HashLimit> {
  const { verifiesPerSecond, threads } = await timeHashing(seconds, false).done;
  return { verifiesPerSecond, threads, loginsPerSecond: verifiesPerSecond * threads };
}

/** Argon2 kept busy by {@link hashBeside}: how many processes, at which nice value, how fast. */
export interface HashingBackdrop {
  readonly threads: number;
  readonly nice: number;
  /** Verifications per second of all the processes together. */
  readonly verifiesPerSecond: number;
}

/**
 * Keeps as many cores hashing as a Baton instance has hashing threads (`HASH_CONCURRENCY`), at
 * their nice value, while `work` runs: one process each, verifying with Baton's argon2 parameters
 * for `seconds` (at least as long as `work`). `work` starts once every process hashes. What a
 * login storm's hashing costs the machine, without Baton's handling of the logins.
 * `passwords`: the module with Baton's argon2 settings (default: the build's `auth/passwords.js`).
 */
export async function hashBeside<T>(
  seconds: number,
  work: () => Promise<T>,
  passwords = PASSWORDS,
): Promise<{ readonly backdrop: HashingBackdrop; readonly result: T }> {
  const { HASH_CONCURRENCY } = (await import(passwords)) as { HASH_CONCURRENCY: number };
  const processes = Array.from({ length: HASH_CONCURRENCY }, () => timeHashing(seconds, true, passwords));
  await Promise.all(processes.map((p) => p.hashing));
  let hashingEnded = false;
  const timingsDone = Promise.all(processes.map((p) => p.done)).finally(() => {
    hashingEnded = true;
  });
  // Its failure is reported after `work`, not as an unhandled rejection meanwhile.
  timingsDone.catch(() => {});
  const result = await work();
  const endedEarly = hashingEnded;
  const timings = await timingsDone;
  if (endedEarly)
    throw new Error(`the hashing ended before the work it was to run beside: more than ${seconds} s`);
  return {
    result,
    backdrop: {
      threads: timings.length,
      nice: timings[0]!.nice,
      verifiesPerSecond: timings.reduce((sum, timing) => sum + timing.verifiesPerSecond, 0),
    },
  };
}
