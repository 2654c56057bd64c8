import { close, fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';

/** Makes what has been committed to a WAL durable, off the event loop. */
export interface WalSync {
  /**
   * Resolves once everything committed before the call is on disk. Rejects if the sync failed, and
   * from then on always: after a failed fsync the kernel may have dropped the pages it could not
   * write, so a later "successful" fsync would prove nothing (PostgreSQL stops for the same reason).
   */
  sync(): Promise<void>;
  /** Waits for the syncs under way, then releases the file. */
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
  let next: Promise<void> | undefined;
  let failure: { readonly error: unknown } | undefined;
  const start = (): Promise<void> => {
    if (failure) return Promise.reject(failure.error);
    running = flush().then(
      () => {
        running = undefined;
      },
      (error: unknown) => {
        running = undefined;
        failure = { error };
        throw error;
      },
    );
    return running;
  };
  return {
    sync() {
      if (failure) return Promise.reject(failure.error);
      if (!running) return start();
      next ??= running
        .catch(() => {})
        .then(() => {
          next = undefined;
          return start();
        });
      return next;
    },
    async close() {
      await Promise.allSettled([running, next]);
      await release();
    },
  };
}

/**
 * `fdatasync` of the WAL file at `walPath` on the thread pool, as SQLite itself syncs a WAL on
 * Linux. The file is opened on the first sync (SQLite creates it with the first write) and kept
 * open; fsync applies to the file, whichever descriptor wrote its pages.
 */
export function walFileSync(walPath: string): WalSync {
  let fd: Promise<number> | undefined;
  return coalescedSync(
    async () => {
      fd ??= promisify(open)(walPath, 'r+');
      await promisify(fdatasync)(await fd);
    },
    async () => {
      const opened = await fd?.catch(() => undefined);
      if (opened !== undefined) await promisify(close)(opened);
      fd = undefined;
    },
  );
}
