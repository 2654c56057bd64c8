import assert from 'node:assert/strict';
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/store/sqlite/database.js';
import { GroupCommit } from '../src/store/sqlite/groupCommit.js';
import { COMMITS_PER_COPY, OffLoopCheckpoint } from '../src/store/sqlite/offLoopCheckpoint.js';
import type { FileFlush } from '../src/store/sqlite/walSync.js';

/** A database file flush that ends only when the test says so, counting the flushes asked for. */
function heldFlush(outcome: 'succeed' | 'fail' = 'succeed') {
  const waiting: (() => void)[] = [];
  let asked = 0;
  const file: FileFlush = {
    flush: () => {
      asked++;
      return new Promise<void>((resolve, reject) => {
        waiting.push(() => (outcome === 'succeed' ? resolve() : reject(new Error('EIO: the disk failed'))));
      });
    },
    close: async () => {},
  };
  return {
    file,
    asked: () => asked,
    pending: () => waiting.length,
    /** Ends the flushes asked for so far; resolves once their callbacks have run. */
    async end() {
      for (const finish of waiting.splice(0)) finish();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('checkpoints flushed off the event loop', () => {
  let dir: string;
  let counter = 0;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-checkpoint-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh WAL database file with an `items` table, SQLite's own checkpoint every so many frames. */
  function itemsDatabase(autocheckpointFrames: number) {
    const filename = path.join(dir, `db-${++counter}.sqlite`);
    const db = openDatabase(filename);
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    db.pragma(`wal_autocheckpoint = ${autocheckpointFrames}`);
    return { filename, db };
  }

  /** The rows in the database file itself, without its WAL (what a copy has put there). */
  function rowsInFileAlone(filename: string): number {
    const copy = path.join(dir, `copy-${++counter}.sqlite`);
    fs.copyFileSync(filename, copy);
    const reader = new Database(copy, { readonly: true });
    try {
      return reader.prepare('SELECT count(*) FROM items').pluck().get() as number;
    } finally {
      reader.close();
    }
  }

  /** A WAL database with a group commit whose checkpoints flush through `file`. */
  function open(file: FileFlush, autocheckpointFrames = 1000) {
    const { filename, db } = itemsDatabase(autocheckpointFrames);
    const checkpoint = new OffLoopCheckpoint(db, filename, file);
    const commits = new GroupCommit(db, undefined, checkpoint);
    const insert = db.prepare('INSERT INTO items (body) VALUES (?)');
    // One group per call: the next write is asked for only once this one is durable.
    const write = (rows = 1) =>
      commits.run(() => {
        for (let i = 0; i < rows; i++) insert.run('x'.repeat(1500));
      });
    /** The WAL header's salts: SQLite changes them each time the WAL starts over from its beginning. */
    const walSalts = () => fs.readFileSync(`${filename}-wal`).subarray(16, 24).toString('hex');
    const walPages = () => fs.statSync(`${filename}-wal`).size / 4096;
    const close = async () => {
      await commits.close();
      db.close();
    };
    return {
      db,
      checkpoint,
      write,
      rowsInFileAlone: () => rowsInFileAlone(filename),
      walSalts,
      walPages,
      close,
    };
  }

  it('copies committed frames into the database file, and flushes that file off the event loop', async () => {
    const disk = heldFlush();
    const t = open(disk.file);
    try {
      for (let i = 1; i < COMMITS_PER_COPY; i++) await t.write();
      assert.equal(disk.asked(), 0, 'no copy before that many group commits');
      await t.write();
      assert.equal(disk.asked(), 1, 'one flush of the database file, on the thread pool');
      assert.equal(
        t.rowsInFileAlone(),
        COMMITS_PER_COPY - 1,
        'the durable commits are in the database file; the one committed after the copy is not',
      );
      // The event loop went on while the file's flush waits: writes still commit and settle.
      for (let i = 0; i < 3 * COMMITS_PER_COPY; i++) await t.write();
      assert.equal(disk.asked(), 1, 'no second copy while the first one flushes');
      await disk.end();
      assert.equal(t.checkpoint.copies, 1);
      // Called directly (a group commit would switch the level itself right after).
      for (let i = 0; i < COMMITS_PER_COPY; i++) t.checkpoint.committed();
      assert.equal(disk.asked(), 2);
      assert.equal(t.db.pragma('synchronous', { simple: true }), 2, 'the connection is back at FULL');
    } finally {
      await disk.end();
      await t.close();
    }
  });

  it('keeps the WAL from starting over until the copied pages are on disk', async () => {
    const disk = heldFlush();
    // SQLite's own checkpoint every 50 frames: without the guard, it would start the WAL over.
    const t = open(disk.file, 50);
    try {
      for (let i = 0; i < COMMITS_PER_COPY; i++) await t.write();
      assert.equal(disk.pending(), 1, 'a copy is waiting for its flush');
      const salts = t.walSalts();
      for (let i = 0; i < 60; i++) await t.write(2);
      assert.equal(t.walSalts(), salts, 'the WAL still holds every frame: the copy is not on disk');
      await disk.end();
      for (let i = 0; i < COMMITS_PER_COPY; i++) await t.write();
      assert.notEqual(t.walSalts(), salts, 'once the flush ended, SQLite started the WAL over');
    } finally {
      await disk.end();
      await t.close();
    }
  });

  it('lets the WAL start over under steady writes even when every flush lasts many commits', async () => {
    const disk = heldFlush();
    const t = open(disk.file, 50);
    try {
      let restarts = 0;
      let salts = '';
      for (let i = 0; i < 600; i++) {
        await t.write(2);
        // A slow disk: each flush ends only after ten more group commits.
        if (i % 10 === 9) await disk.end();
        const now = t.walSalts();
        if (salts && now !== salts) restarts++;
        salts = now;
      }
      assert.ok(restarts >= 5, `the WAL started over ${restarts} times in 600 commits`);
      const walPages = t.walPages();
      assert.ok(walPages < 400, `the WAL stays small (${walPages.toFixed(0)} pages)`);
    } finally {
      await disk.end();
      await t.close();
    }
  });

  it('refuses later writes after a failed flush, and keeps the WAL that holds the pages', async () => {
    const disk = heldFlush('fail');
    const t = open(disk.file, 50);
    try {
      for (let i = 0; i < COMMITS_PER_COPY; i++) await t.write();
      const salts = t.walSalts();
      await disk.end();
      assert.match(String(t.checkpoint.failure?.error), /EIO/);
      await assert.rejects(t.write(), /EIO/, 'nothing more is committed after the failed flush');
      assert.equal(t.walSalts(), salts);
      const frames = t.walPages();
      await t.close();
      // SQLite's closing checkpoint would find every frame copied, flush nothing, delete the WAL.
      assert.equal(t.walPages(), frames, 'closing keeps the WAL for the next start to recover from');
    } finally {
      await t.close().catch(() => {});
    }
  });

  it('flushes the real database file with fdatasync, and a group commit has such checkpoints by default', async () => {
    for (const wiring of ['explicit', 'default'] as const) {
      // SQLite's own checkpoints off: any row found in the database file was put there by ours.
      const { filename, db } = itemsDatabase(0);
      const checkpoint = wiring === 'explicit' ? new OffLoopCheckpoint(db, filename) : undefined;
      const commits = checkpoint ? new GroupCommit(db, undefined, checkpoint) : new GroupCommit(db);
      const insert = db.prepare('INSERT INTO items (body) VALUES (?)');
      for (let i = 0; i < 4 * COMMITS_PER_COPY; i++) await commits.run(() => insert.run('row'));
      await checkpoint?.idle();
      if (checkpoint) assert.ok(checkpoint.copies >= 1, `${checkpoint.copies} copies flushed`);
      const copied = rowsInFileAlone(filename);
      assert.ok(copied >= COMMITS_PER_COPY - 1, `${wiring}: ${copied} rows copied into the database file`);
      await commits.close();
      db.close();
    }
  });
});
