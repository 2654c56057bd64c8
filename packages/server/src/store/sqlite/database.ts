import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../migrations/index.js';

/**
 * Opens a SQLite database tuned for an auth server:
 * - WAL, so readers never wait for the writer;
 * - `synchronous = FULL`, so every committed transaction is on disk before we answer 2xx
 *   (with WAL, NORMAL could lose the last commits on power loss; a lost rotation would strand
 *   a client with a refresh token the server never stored);
 * - `busy_timeout`, so a second process (the CLI, another server) waits for the lock instead of failing.
 */
export function openDatabase(filename: string): Database.Database {
  if (filename !== ':memory:') mkdirSync(path.dirname(filename), { recursive: true, mode: 0o700 });
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Applies the pending migrations, each in its own IMMEDIATE transaction that first re-reads the
 * applied versions: two processes migrating at once serialise on the write lock and the second
 * finds nothing left to do.
 */
export function migrate(db: Database.Database, now: () => number = Date.now): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
  );
  const applied = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      if (applied.all().some((row) => row.version === migration.version)) return;
      db.exec(migration.sqlite);
      record.run(migration.version, migration.name, now());
    }).immediate();
  }
}
