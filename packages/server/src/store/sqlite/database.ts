import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_MIGRATIONS_TABLE } from '../migrations/index.js';

/** How long a connection waits for another connection's write lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens a SQLite database tuned for an auth server:
 * - `busy_timeout` first, so that even switching a fresh file to WAL waits for a second process
 *   (the CLI, another server) instead of failing (and where SQLite will not wait, see
 *   {@link switchToWal});
 * - WAL, so readers never wait for the writer;
 * - `synchronous = FULL`, so every committed transaction is fsynced to the WAL before the commit
 *   returns, and therefore before we answer 2xx. With WAL, NORMAL survives a process kill but may
 *   lose the last commits on power loss or an OS crash; a lost rotation would strand a client
 *   holding a refresh token the server no longer knows, and a lost revocation would resurrect a
 *   session the user ended. The store's writes all go through its group commit, which commits at
 *   NORMAL and makes that flush itself, on the thread pool (see GroupCommit); FULL stays the
 *   level of everything else, such as migrations;
 * - foreign keys on, so a token or todo can never point at a missing session or user;
 * - the file readable by its owner only (0600), whatever the umask or the directory's mode:
 *   it holds password hashes and the audit trail. SQLite gives its `-wal` and `-shm` files the
 *   database file's mode.
 */
export function openDatabase(filename: string): Database.Database {
  if (filename !== ':memory:') {
    mkdirSync(path.dirname(path.resolve(filename)), { recursive: true, mode: 0o700 });
    closeSync(openSync(filename, 'a', 0o600));
    if ((statSync(filename).mode & 0o077) !== 0) chmodSync(filename, 0o600);
  }
  const db = new Database(filename, { timeout: BUSY_TIMEOUT_MS });
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  switchToWal(db);
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Runs `work` with `db` at `synchronous = level`, then puts it back at FULL, the level
 * {@link openDatabase} sets. SQLite applies `synchronous` when the pragma is compiled, so it is
 * compiled at every switch; `exec` compiles and runs it in SQLite alone, where `db.pragma` would
 * also make a statement object and an array of rows for it, which nothing reads (about 0.5 against
 * 2.6 µs a switch, and a group commit makes two).
 */
export function atSynchronous<T>(
  db: Pick<Database.Database, 'exec'>,
  level: 'OFF' | 'NORMAL',
  work: () => T,
): T {
  db.exec(`PRAGMA synchronous = ${level}`);
  try {
    return work();
  } finally {
    db.exec('PRAGMA synchronous = FULL');
  }
}

/**
 * Runs `work` with `db`'s busy timeout off, then puts it back: a statement that meets another
 * connection's lock fails at once with SQLITE_BUSY instead of sleeping in SQLite, on the event
 * loop, until the lock is free (see GroupCommit, which waits for it between turns instead).
 */
export function withoutBusyWait<T>(db: Pick<Database.Database, 'exec'>, work: () => T): T {
  db.exec('PRAGMA busy_timeout = 0');
  try {
    return work();
  } finally {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/** True for SQLite's SQLITE_BUSY (another connection holds a lock this one needs), extended codes included. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** A pause between two tries of {@link switchToWal}, in ms. */
const WAL_RETRY_MS = 5;

/**
 * Switches `db` to WAL, trying again for up to `waitMs` (on `now`'s clock) while SQLite answers
 * SQLITE_BUSY. On a fresh file the switch reads the header under a shared lock and then takes the
 * exclusive one; when two connections do that at the same instant, SQLite fails one of them at
 * once, whatever `busy_timeout` says, since each would wait for the other's shared lock forever.
 * The winner's switch is written into the file, so the loser's next try finds WAL (or waits its
 * turn as usual). Seen as 5 failures in 25 runs of four connections opening one fresh file at once
 * (`store-sqlite-durability.test.ts`), and once in a clean-clone CI run.
 */
export function switchToWal(
  db: Pick<Database.Database, 'pragma'>,
  waitMs = BUSY_TIMEOUT_MS,
  now: () => number = Date.now,
): void {
  const deadline = now() + waitMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || now() >= deadline) throw error;
      // A synchronous pause: the connection is being opened, and nothing else can use it yet.
      Atomics.wait(pause, 0, 0, WAL_RETRY_MS);
    }
  }
}

/**
 * Applies the pending migrations, each in its own IMMEDIATE transaction that first re-reads the
 * applied versions: IMMEDIATE takes the write lock before that read, so two processes migrating
 * at once serialise on the lock and the second finds nothing left to do (a DEFERRED transaction
 * would let both read "not applied" and both try to create the tables).
 */
export function migrate(db: Database.Database, now: () => number = Date.now): void {
  db.exec(SCHEMA_MIGRATIONS_TABLE.sqlite);
  const isApplied = db.prepare<[number], { version: number }>(
    'SELECT version FROM schema_migrations WHERE version = ?',
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      if (isApplied.get(migration.version)) return;
      db.exec(migration.sqlite);
      record.run(migration.version, migration.name, now());
    }).immediate();
  }
}
