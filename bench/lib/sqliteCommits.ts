import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * The raw durable commit rate of this disk: better-sqlite3 with WAL and `synchronous=FULL`, one
 * small transaction per commit (insert a successor row, mark its predecessor used), the shape of a
 * refresh rotation with nothing else around it. No server can rotate durably faster than this.
 */
export function measureRawCommits(workDir: string, seconds: number): { perSecond: number; commits: number } {
  const db = new Database(join(mkdtempSync(join(workDir, 'raw-')), 'commits.sqlite3'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      'CREATE TABLE tokens (id INTEGER PRIMARY KEY, token_hash BLOB NOT NULL UNIQUE, used_at INTEGER, created_at INTEGER NOT NULL)',
    );
    const insert = db.prepare('INSERT INTO tokens (token_hash, created_at) VALUES (?, ?)');
    const consume = db.prepare('UPDATE tokens SET used_at = ? WHERE id = ? AND used_at IS NULL');
    let previous = Number(
      insert.run(createHash('sha256').update(randomBytes(32)).digest(), Date.now()).lastInsertRowid,
    );
    const rotate = db.transaction(() => {
      const now = Date.now();
      consume.run(now, previous);
      previous = Number(
        insert.run(createHash('sha256').update(randomBytes(32)).digest(), now).lastInsertRowid,
      );
    });
    const warmUpUntil = performance.now() + 500;
    while (performance.now() < warmUpUntil) rotate();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    let commits = 0;
    while (performance.now() < deadline) {
      rotate();
      commits++;
    }
    return { perSecond: commits / ((performance.now() - started) / 1000), commits };
  } finally {
    db.close();
  }
}
