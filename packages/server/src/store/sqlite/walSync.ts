import { close, fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';
import { StoreFailedError } from '../failed.js';

/**
 * `fdatasync` as a promise, wrapped by hand: a `promisify(fdatasync)` made per flush cost about 1%
 * of the event loop's time in rotations (docs/perf/refresh-sqlite.md), and one made once at load
 * would keep the `fdatasync` of that moment, where this reads the binding at each call (a test
 * swaps it to hold flushes).
 */
const flushFile = (fd: number) =>
  new Promise<void>((resolve, reject) => {
    fdatasync(fd, (error) => (error ? reject(error) : resolve()));
  });

/** Makes what has been committed to a WAL durable, off the event loop. */
export interface WalSync {
  /**
   * Resolves once everything committed before the call is on disk. Rejects if the flush failed, and
   * from then on always, with a {@link StoreFailedError} (its cause: the flush's error): after a
   * failed fsync the kernel may have dropped the pages it could not write, so a later "successful"
   * fsync would prove nothing (PostgreSQL stops for the same reason).
   */
  sync(): Promise<void>;
  /** The error of the flush that failed, if one did: nothing more may be committed unflushed. */
  readonly failure: { readonly error: StoreFailedError } | undefined;
  /** True while a flush runs or waits to start. */
  readonly busy: boolean;
  /** Resolves once no flush runs or waits, whether they succeeded or failed. */
  idle(): Promise<void>;
  /** Waits for every flush asked for so far, then releases the file. Idempotent. */
  close(): Promise<void>;
}

/**
 * Coalesces syncs: at most one `flush` runs at a time, and the calls made while it runs share the
 * next one (which starts after their commits), so a burst of group commits pays one or two
 * flushes, not one each.
 */
export function coalescedSync(
  flush: () => Promise<void>,
  release: () => Promise<void> = async () => {},
): WalSync {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let failure: { readonly error: StoreFailedError } | undefined;
  let closed: Promise<void> | undefined;
  const start = (): Promise<void> => {
    if (failure) return Promise.reject(failure.error);
    const flushing = flush().then(
      () => {
        if (running === flushing) running = undefined;
      },
      (error: unknown) => {
        if (running === flushing) running = undefined;
        failure ??= { error: new StoreFailedError(error) };
        throw failure.error;
      },
    );
    running = flushing;
    return flushing;
  };
  const idle = async () => {
    while (running || queued) await Promise.allSettled([running, queued]);
  };
  return {
    sync() {
      if (failure) return Promise.reject(failure.error);
      if (closed) return Promise.reject(new Error('the WAL file was released: the store is closed'));
      // A queued flush has not started: it starts after this caller's commit, so it covers it.
      // Checked first: between the end of a flush and the start of the queued one, `running` is
      // already cleared, and starting another here would run two at once.
      if (queued) return queued;
      if (!running) return start();
      const next = running
        .catch(() => {})
        .then(() => {
          queued = undefined;
          return start();
        });
      queued = next;
      return next;
    },
    get failure() {
      return failure;
    },
    get busy() {
      return running !== undefined || queued !== undefined;
    },
    idle,
    close() {
      closed ??= (async () => {
        await idle();
        await release();
      })();
      return closed;
    },
  };
}

/** `fdatasync` of one file on the thread pool. */
export interface FileFlush {
  /** Resolves once the file's written data is on disk. */
  flush(): Promise<void>;
  /** Releases the file (call once no flush runs). */
  close(): Promise<void>;
}

/**
 * `fdatasync` of the file at `path` on the thread pool. The file is opened on the first flush
 * (SQLite creates a WAL with its first write) and kept open; fsync applies to the file, whichever
 * descriptor wrote its pages.
 */
export function fileFlush(path: string): FileFlush {
  let fd: Promise<number> | undefined;
  return {
    async flush() {
      fd ??= promisify(open)(path, 'r+');
      await flushFile(await fd);
    },
    async close() {
      const opened = await fd?.catch(() => undefined);
      fd = undefined;
      if (opened !== undefined) await promisify(close)(opened);
    },
  };
}

/** `fdatasync` of the WAL file at `walPath` on the thread pool, as SQLite itself syncs a WAL on Linux. */
export function walFileSync(walPath: string): WalSync {
  const file = fileFlush(walPath);
  return coalescedSync(file.flush, file.close);
}
