/**
 * A store that can no longer write safely until the process restarts: a flush of its file to disk
 * failed. After a failed fsync the kernel may have dropped the pages it could not write, so a later
 * flush that succeeds proves nothing about them (PostgreSQL stops for the same reason), and every
 * later write is refused with this error. It is not an outage to wait out (`isStorageUnavailable`
 * is false for it): trying again cannot help, a restart does, and SQLite recovers the file from
 * its WAL when it opens it. The failed flush's own error is the `cause`.
 */
export class StoreFailedError extends Error {
  override readonly name = 'StoreFailedError';
  readonly code = 'BATON_STORE_FAILED';

  constructor(cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `A flush of the database file to disk failed (${why}), so nothing more is written: ` +
        'restart the server, which recovers the file as it opens it.',
      { cause },
    );
  }
}

/** What a person reads when a write meets a failed store. */
export const STORE_FAILED_DETAIL =
  'The service cannot save anything until it is restarted, and its operators have been told. ' +
  'Nothing you did caused this: try again later.';
