import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ConcurrencyLimit, createConcurrencyLimit } from './concurrencyLimit.js';

/** An argon2 operation, run by `@node-rs/argon2`'s synchronous API inside a hashing thread. */
export type HashJob =
  | { readonly op: 'hash'; readonly password: string; readonly options: Readonly<Record<string, number>> }
  | { readonly op: 'verify'; readonly hash: string; readonly password: string };

export interface HashingPoolOptions {
  /** Hashing threads, and so hashes running at once. */
  readonly threads: number;
  /** The threads' nice value (Linux: per thread); 0 leaves their priority alone. */
  readonly nice: number;
  /** The module each thread runs (default `hashingThread`); tests give one that fails. */
  readonly threadModule?: URL;
  /** How long a thread may sit idle before it exits (default {@link IDLE_THREAD_EXIT_MS}). */
  readonly idleMs?: number;
  /** Runs `exit` after `ms` and returns what cancels it (default: an unref'd timer); tests fire it. */
  readonly schedule?: (exit: () => void, ms: number) => () => void;
}

/**
 * An idle hashing thread exits after this long. A live thread keeps about 7 MiB resident (its V8
 * heap and Node's environment; argon2's 19 MiB are returned after each hash): the server's resident
 * memory after 300 sign-ups went from 99 to 92 MiB when it exited. A server answering API requests
 * between sign-ins would otherwise carry that for good. Starting a thread again costs about 60 ms
 * (first hash 70-85 ms, the next 10-13 ms, on 2 cores), paid by the first sign-in after a quiet
 * half minute.
 */
export const IDLE_THREAD_EXIT_MS = 30_000;

const unrefTimer = (exit: () => void, ms: number): (() => void) => {
  const timer = setTimeout(exit, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

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
 * Jobs handed to a thread beyond the one it runs. One queued job lets a thread start the next hash
 * the moment it finishes the last, instead of idling until the event loop has read its answer and
 * handed it the next job: a median 0.7 ms per job, 14% of the thread's time, measured under four
 * clients logging in at once. Only one, so that a burst beyond twice the threads waits in the
 * pool's FIFO queue, where the next free thread takes it. The price: a queued job waits for its
 * thread even if another thread frees up first, at most one hash longer (all hashes cost alike).
 */
const QUEUED_PER_THREAD = 1;

/** A job handed to a thread and not yet answered. */
interface Handed {
  readonly job: HashJob;
  readonly resolve: (value: string | boolean) => void;
  readonly reject: (error: Error) => void;
}

interface HashingThread {
  readonly worker: Worker;
  /** Answered in this order: the thread runs its jobs one at a time, first come first served. */
  readonly handed: Handed[];
  /** Cancels the idle exit scheduled when the thread ran out of jobs. */
  cancelIdleExit: (() => void) | undefined;
}

/**
 * Password hashing on threads of its own, at a lower CPU priority than the event loop.
 *
 * On the libuv thread pool argon2 competes with the event loop as an equal: during a login storm
 * every other request then waits for a core. Here the hashing threads are few (see
 * {@link HashingPoolOptions.threads}) and "nice": when a core is contested the scheduler runs the
 * event loop first, so a storm costs logins per second rather than the latency of everything else.
 * Threads start on first use, are replaced if one dies, exit after {@link IDLE_THREAD_EXIT_MS}
 * without a job, and keep the process alive only while they hash.
 */
export class HashingPool {
  /** Admits the jobs the threads run or hold queued; the rest wait here, in order. */
  readonly #limit: ConcurrencyLimit;
  readonly #threads: HashingThread[] = [];

  constructor(private readonly options: HashingPoolOptions) {
    this.#limit = createConcurrencyLimit(options.threads * (1 + QUEUED_PER_THREAD));
  }

  /** Runs `job` on a hashing thread (waiting for room on one if all are full). */
  run(job: HashJob & { readonly op: 'hash' }): Promise<string>;
  run(job: HashJob & { readonly op: 'verify' }): Promise<boolean>;
  run(job: HashJob): Promise<string | boolean> {
    return this.#limit.run(
      () => new Promise<string | boolean>((resolve, reject) => this.#hand({ job, resolve, reject })),
    );
  }

  /** Threads alive now: none before the first job and after every thread has exited idle. */
  get threadCount(): number {
    return this.#threads.length;
  }

  /** Hashes running now, and jobs waiting for a thread (queued on one or in the pool). */
  get load(): { readonly active: number; readonly waiting: number } {
    const handed = this.#threads.reduce((sum, thread) => sum + thread.handed.length, 0);
    const active = this.#threads.filter((thread) => thread.handed.length > 0).length;
    return { active, waiting: handed - active + this.#limit.waiting };
  }

  /**
   * Hands `entry` to the thread with the fewest jobs, or to a new one while every thread is busy
   * and fewer than `threads` exist. The limit admits at most as many jobs as the threads can hold,
   * so one of them has room.
   */
  #hand(entry: Handed): void {
    let target: HashingThread | undefined;
    for (const thread of this.#threads) {
      if (target === undefined || thread.handed.length < target.handed.length) target = thread;
    }
    if (target === undefined || (target.handed.length > 0 && this.#threads.length < this.options.threads)) {
      try {
        target = this.#startThread();
      } catch (error) {
        // No thread could be made (out of memory or threads): this job fails, and only this one.
        entry.reject(threadFailure(error));
        return;
      }
    }
    target.cancelIdleExit?.();
    target.cancelIdleExit = undefined;
    target.handed.push(entry);
    // Busy, the thread keeps the process alive (a CLI awaiting a hash must not exit); idle, not.
    target.worker.ref();
    target.worker.postMessage(entry.job);
  }

  #startThread(): HashingThread {
    const [entry, how] = threadEntry(this.options.threadModule ?? THREAD_MODULE);
    const worker = new Worker(entry, { ...how, workerData: { nice: this.options.nice } });
    worker.unref();
    const thread: HashingThread = { worker, handed: [], cancelIdleExit: undefined };
    this.#threads.push(thread);
    let gone = false;
    const leave = () => {
      gone = true;
      const index = this.#threads.indexOf(thread);
      if (index >= 0) this.#threads.splice(index, 1);
      void worker.terminate();
    };
    worker.on('message', (reply: ThreadReply) => {
      const answered = thread.handed.shift();
      if (thread.handed.length === 0) {
        worker.unref();
        const schedule = this.options.schedule ?? unrefTimer;
        thread.cancelIdleExit?.();
        thread.cancelIdleExit = schedule(() => {
          // A job handed meanwhile cancels this; the check covers a scheduler that fires anyway.
          if (!gone && thread.handed.length === 0) leave();
        }, this.options.idleMs ?? IDLE_THREAD_EXIT_MS);
      }
      if (answered === undefined) return;
      if (reply.error !== undefined) answered.reject(new Error(reply.error));
      else answered.resolve(reply.value as string | boolean);
    });
    // A thread that fails is dropped (the next job starts a fresh one) and fails only the job it
    // was running; the jobs queued behind it never started and are handed again (to a new thread
    // when the others are busy). A thread that exits idle has no jobs, and its exit is no failure.
    const onFailure = (error: unknown) => {
      if (gone) return;
      thread.cancelIdleExit?.();
      leave();
      const [running, ...queued] = thread.handed.splice(0);
      running?.reject(threadFailure(error));
      for (const entry of queued) this.#hand(entry);
    };
    worker.on('error', onFailure);
    worker.once('exit', onFailure);
    return thread;
  }
}

function threadFailure(error: unknown): HashingThreadError {
  const reason = error instanceof Error ? error.message : `exited with code ${String(error)}`;
  return new HashingThreadError(`hashing thread failed: ${reason}`, { cause: error });
}
