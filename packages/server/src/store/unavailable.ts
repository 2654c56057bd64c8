import { ProblemError } from '../errors.js';

/** Seconds a client is asked to wait (`Retry-After`) before trying again during a storage outage. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

/** What a person reads when the storage failed them: not their doing, and worth trying again. */
export const STORAGE_UNAVAILABLE_DETAIL =
  'The service cannot reach its database right now. Nothing you did caused this: try again in a few seconds.';

/**
 * System error codes of a connection to PostgreSQL that failed or was cut. A disk that refused the
 * SQLite store's own flush (EIO, ENOSPC) is no outage to wait out: the store refuses every write
 * after it, with a StoreFailedError, until the process restarts (see store/failed.ts).
 */
const SYSTEM_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs (appendix A of its manual) that say the server could not take the work
 * now: whole classes 08 (connection exception), 53 (insufficient resources: disk full, out of
 * memory, too many connections) and 58 (system or I/O error), and single codes.
 */
const SQLSTATE_CLASSES: ReadonlySet<string> = new Set(['08', '53', '58']);
const SQLSTATES: ReadonlySet<string> = new Set([
  // admin_shutdown, crash_shutdown, cannot_connect_now: a restart or a failover under way.
  '57P01',
  '57P02',
  '57P03',
  // query_canceled: the pool's statement_timeout ended a statement that waited too long.
  '57014',
  // read_only_sql_transaction: after a failover the URL leads to a standby, which refuses writes.
  '25006',
]);

/**
 * node-postgres's own errors, which carry no code: the pool's connect timeout, a connection that
 * closed under a query, and the client-side limit of a grouped statement (`query_timeout`).
 * `test/storage-unavailable.test.ts` provokes each for real, so a driver that rewords one fails it.
 */
const PG_DRIVER_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
];

/**
 * SQLite result codes (better-sqlite3's `SqliteError.code`, extended codes included: `SQLITE_IOERR_FSYNC`)
 * that say the database file could not be used now: another process held the write lock past the
 * busy timeout, the disk failed or is full, the file cannot be opened or written.
 */
const SQLITE_CODES = [
  'SQLITE_BUSY',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_PROTOCOL',
  'SQLITE_NOMEM',
];

/**
 * True when `error` is the storage failing rather than the request or the code: PostgreSQL
 * unreachable, restarting, overloaded or read-only, or the SQLite file locked, unwritable or on a
 * failing disk. Such a request may well succeed a few seconds later, so it is answered 503 with
 * `Retry-After` instead of 500, and a load balancer or client can tell an outage from a bug.
 */
export function isStorageUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SYSTEM_CODES.has(code)) return true;
    if (isSqlstate(error, code)) return SQLSTATES.has(code) || SQLSTATE_CLASSES.has(code.slice(0, 2));
    if (SQLITE_CODES.some((known) => code === known || code.startsWith(`${known}_`))) return true;
    return false;
  }
  return PG_DRIVER_MESSAGES.some((message) => error.message.startsWith(message));
}

/** A PostgreSQL error answer: five characters of SQLSTATE, and the severity the server sent. */
function isSqlstate(error: Error, code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code) && 'severity' in error;
}

/**
 * The 503 answer for a storage failure (see {@link isStorageUnavailable}), or undefined when
 * `error` is something else.
 */
export function storageOutage(error: unknown): ProblemError | undefined {
  if (!isStorageUnavailable(error)) return undefined;
  return new ProblemError('storage_unavailable', STORAGE_UNAVAILABLE_DETAIL, {
    'retry-after': String(STORAGE_RETRY_AFTER_SECONDS),
  });
}
