/**
 * Switching a fresh file to WAL is tried again when SQLite refuses it at once with SQLITE_BUSY
 * (two connections switching at the same instant: see `switchToWal`). The race itself runs for
 * real in store-sqlite-durability.test.ts "lets four connections migrate one fresh file at the
 * same instant"; here the retry policy, with a connection that answers as told.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { switchToWal } from '../src/store/sqlite/database.js';

/** A connection whose `pragma` throws each of `failures` in turn, then succeeds. */
function connection(failures: readonly Error[]) {
  const calls: string[] = [];
  return {
    calls,
    pragma(source: string) {
      calls.push(source);
      const failure = failures[calls.length - 1];
      if (failure) throw failure;
      return 'wal';
    },
  };
}

const busy = () => new Database.SqliteError('database is locked', 'SQLITE_BUSY');

describe('switchToWal', () => {
  it('tries again while SQLite answers SQLITE_BUSY, and succeeds', () => {
    const db = connection([busy(), busy()]);
    switchToWal(db);
    assert.deepEqual(db.calls, ['journal_mode = WAL', 'journal_mode = WAL', 'journal_mode = WAL']);
  });

  it('throws any other error at once', () => {
    const db = connection([new Database.SqliteError('disk I/O error', 'SQLITE_IOERR')]);
    assert.throws(() => switchToWal(db), { code: 'SQLITE_IOERR' });
    assert.equal(db.calls.length, 1);
  });

  it('gives up with SQLITE_BUSY once the wait is over', () => {
    const db = connection(Array.from({ length: 10 }, busy));
    // A clock that moves 10 ms with each reading: the deadline (30 ms) passes at the third try.
    let clock = 0;
    const now = () => {
      const reading = clock;
      clock += 10;
      return reading;
    };
    assert.throws(() => switchToWal(db, 30, now), { code: 'SQLITE_BUSY' });
    assert.equal(db.calls.length, 3);
  });

  it('leaves a real fresh file in WAL mode', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-wal-'));
    try {
      const db = new Database(path.join(dir, 'fresh.sqlite'));
      switchToWal(db);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
