import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ConcurrencyLimit, createConcurrencyLimit } from './concurrencyLimit.js';

/** An argon2 operation, run by `@node-rs/argon2`'s synchronous API inside a hashing thread. */
export type HashJob =
  | { readonly op: 'hash'; readonly password: string; readonly options: Readonly<Record<string, number>> }
  | { readonly op: 'verify'; readonly hash: string; readonly password: string };

export interface HashingPoolOptions {
  /** Hashing threads, and so hashes in flight at once. */
  readonly threads: number;
  /** The threads' nice value (Linux: per thread); 0 leaves their priority alone. */
  readonly nice: number;
  /** The module each thread runs (default `hashingThread`); tests give one that fails. */
  readonly threadModule?: URL;
}

/** What a hashing thread answers for one job. */
export interface ThreadReply {
  readonly value?: string | boolean;
  readonly error?: string;
}

/**
 * `hashingThread.ts` beside this file: compiled to `.js` in `dist`, run from source (through tsx,
 * which threads inherit from the process's `--import`) in development and tests.
 */
const THREAD_MODULE = new URL(
  `./hashingThread${path.extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
);

/**
 * How to start a thread on `module`: directly when it is JavaScript (the built package); through
 * tsx when it is TypeScript (running from source), since tsx's loader hooks are not inherited by
 * worker threads on Node 20.
 */
function threadEntry(module: URL): [string | URL, { eval?: boolean }] {
  if (!module.pathname.endsWith('.ts')) return [module, {}];
  const load = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(module.href)}); })`;
  return [load, { eval: true }];
}

/**
 * A hashing thread failed (it could not start, crashed or exited): the job was not done. Unlike
 * argon2's own refusals (a malformed hash), this says nothing about the password.
 */
export class HashingThreadError extends Error {
  readonly code = 'hashing_thread_failed';
}

/**
 * Password hashing on threads of its own, at a lower CPU priority than the event loop.
 *
 * On the libuv thread pool argon2 competes with the event loop as an equal: during a login storm
 * every other request then waits for a core. Here the hashing threads are few (see
 * {@link HashingPoolOptions.threads}) and "nice": when a core is contested the scheduler runs the
 * event loop first, so a storm costs logins per second rather than the latency of everything else.
 * Threads start on first use, are replaced if one dies, and keep the process alive only while
 * they hash.
 */
export class HashingPool {
  readonly #limit: ConcurrencyLimit;
  readonly #idle: Worker[] = [];

  constructor(private readonly options: HashingPoolOptions) {
    this.#limit = createConcurrencyLimit(options.threads);
  }

  /** Runs `job` on an idle hashing thread (waiting for one if all are busy). */
  run(job: HashJob & { readonly op: 'hash' }): Promise<string>;
  run(job: HashJob & { readonly op: 'verify' }): Promise<boolean>;
  run(job: HashJob): Promise<string | boolean> {
    // The limit admits at most `threads` jobs, so an idle thread exists or may be started.
    return this.#limit.run(() => this.#onThread(this.#idle.pop() ?? this.#startThread(), job));
  }

  /** Jobs running now and waiting for a thread. */
  get load(): { readonly active: number; readonly waiting: number } {
    return { active: this.#limit.active, waiting: this.#limit.waiting };
  }

  #startThread(): Worker {
    const [entry, how] = threadEntry(this.options.threadModule ?? THREAD_MODULE);
    const thread = new Worker(entry, { ...how, workerData: { nice: this.options.nice } });
    thread.unref();
    // An idle thread that dies leaves the pool (a job's own failure is handled by that job); its
    // error is then no one's to handle, and an unhandled 'error' event would end the process.
    thread.on('error', () => {});
    thread.once('exit', () => {
      const index = this.#idle.indexOf(thread);
      if (index >= 0) this.#idle.splice(index, 1);
    });
    return thread;
  }

  #onThread(thread: Worker, job: HashJob): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      const settle = () => {
        thread.unref();
        thread.off('message', onMessage);
        thread.off('error', onFailure);
        thread.off('exit', onFailure);
      };
      const onMessage = (reply: ThreadReply) => {
        settle();
        this.#idle.push(thread);
        if (reply.error !== undefined) reject(new Error(reply.error));
        else resolve(reply.value as string | boolean);
      };
      // A thread that fails is dropped (the next job starts a fresh one) and fails only its job.
      const onFailure = (error: unknown) => {
        settle();
        void thread.terminate();
        const reason = error instanceof Error ? error.message : `exited with code ${String(error)}`;
        reject(new HashingThreadError(`hashing thread failed: ${reason}`, { cause: error }));
      };
      thread.on('message', onMessage);
      thread.once('error', onFailure);
      thread.once('exit', onFailure);
      // Busy, the thread keeps the process alive (a CLI awaiting a hash must not exit); idle, not.
      thread.ref();
      thread.postMessage(job);
    });
  }
}
