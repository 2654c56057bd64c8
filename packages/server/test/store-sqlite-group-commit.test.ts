import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../src/store/index.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { GroupCommit } from '../src/store/sqlite/groupCommit.js';
import { coalescedSync, type WalSync, walFileSync } from '../src/store/sqlite/walSync.js';

describe('SQLite group commit', () => {
  let dir: string;
  let filename: string;
  let db: Database.Database;
  let groupCommit: GroupCommit;
  // Another connection sees only what has been committed.
  let observer: Database.Database;
  const committedCount = () => (observer.prepare('SELECT count(*) AS n FROM items').get() as { n: number }).n;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-group-commit-'));
    filename = path.join(dir, 'batch.sqlite');
    db = openDatabase(filename);
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)');
    groupCommit = new GroupCommit(db);
    observer = new Database(filename, { readonly: true });
  });
  after(async () => {
    observer.close();
    if (db.open) db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const insert = (name: string) => () =>
    db.prepare('INSERT INTO items (name) VALUES (?)').run(name).lastInsertRowid;

  it('runs the writes of one turn in one commit, and settles none before it is committed', async () => {
    const before = committedCount();
    const seenAtSettle: number[] = [];
    const writes = ['a', 'b', 'c', 'd', 'e'].map((name) =>
      groupCommit.run(insert(name)).then((id) => {
        seenAtSettle.push(committedCount());
        return id;
      }),
    );
    assert.equal(groupCommit.pending, 5, 'all five wait for the same commit');
    assert.equal(committedCount(), before, 'nothing is written before the turn ends');
    const ids = await Promise.all(writes);
    assert.equal(new Set(ids).size, 5);
    assert.deepEqual(seenAtSettle, [before + 5, before + 5, before + 5, before + 5, before + 5]);
    assert.equal(groupCommit.pending, 0);
  });

  it('rolls back and rejects only the write that fails', async () => {
    const before = committedCount();
    const results = await Promise.allSettled([
      groupCommit.run(insert('f')),
      groupCommit.run(() => {
        db.prepare('INSERT INTO items (name) VALUES (?)').run('half-done');
        return insert('a')(); // violates UNIQUE: the savepoint takes 'half-done' back too
      }),
      groupCommit.run(insert('g')),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
    assert.equal(committedCount(), before + 2);
    assert.equal(
      observer.prepare("SELECT count(*) AS n FROM items WHERE name = 'half-done'").pluck().get(),
      0,
    );
  });

  it('fails the whole batch when SQLite rolls the transaction back by itself', async () => {
    const before = committedCount();
    const results = await Promise.allSettled([
      groupCommit.run(insert('h')),
      // Disk-full and I/O errors end the whole transaction inside SQLite; ROLLBACK does the same.
      groupCommit.run(() => {
        db.exec('ROLLBACK');
        throw new Error('the transaction is gone');
      }),
      groupCommit.run(insert('i')),
    ]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected', 'rejected'],
      'no write after the rollback commits on its own',
    );
    assert.equal(committedCount(), before);
    assert.equal(db.inTransaction, false);
    assert.ok(await groupCommit.run(insert('j')), 'the next batch works');
  });

  it('a store commits its pending writes when it closes', async () => {
    const storeFile = path.join(dir, 'store.sqlite');
    const store = createSqliteStore({ filename: storeFile });
    await store.migrate();
    const event = {
      id: randomUUID(),
      at: 1,
      kind: 'login_failed',
      userId: null,
      sessionId: null,
      ip: null,
      userAgent: null,
      detail: null,
    } as const;
    const write = store.appendAudit(event);
    await store.close();
    await write;
    const reopened = createSqliteStore({ filename: storeFile });
    assert.deepEqual(
      (await reopened.listAudit()).map((entry) => entry.id),
      [event.id],
    );
    await reopened.close();
  });

  it('settles no write before its commit is flushed to disk, and the event loop serves others meanwhile', async () => {
    let flushed: () => void = () => {};
    const flushes: number[] = [];
    const held: WalSync = {
      sync: () => {
        flushes.push(committedCount());
        return new Promise<void>((resolve) => {
          flushed = resolve;
        });
      },
      close: async () => {},
    };
    const heldCommit = new GroupCommit(db, held);
    const before = committedCount();
    let settled = false;
    const write = heldCommit.run(insert('held')).then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(flushes, [before + 1], 'the flush starts after the commit');
    assert.equal(committedCount(), before + 1, 'committed (other readers see it) ...');
    assert.equal(settled, false, '... but not answered before the flush');
    flushed();
    await write;
    assert.equal(settled, true);
  });

  it('commits a group at synchronous=NORMAL and leaves the connection at FULL', async () => {
    const during = await groupCommit.run(() => db.pragma('synchronous', { simple: true }));
    assert.equal(during, 1, 'NORMAL: the WAL flush is ours, on the thread pool');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL for every other commit');
  });

  it('by default flushes the WAL file on the thread pool, after the commit returns', async () => {
    let settled = false;
    const write = groupCommit.run(insert('flushed')).then(() => {
      settled = true;
    });
    groupCommit.flush();
    for (let i = 0; i < 5; i++) await Promise.resolve();
    assert.equal(settled, false, 'still waiting for fdatasync when the commit has returned');
    await write;
  });

  it('fails every write of a group whose flush fails, and every later one', async () => {
    const failing = new GroupCommit(
      db,
      coalescedSync(async () => {
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      }),
    );
    const results = await Promise.allSettled([failing.run(insert('lost-1')), failing.run(insert('lost-2'))]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
    await assert.rejects(failing.run(insert('lost-3')), /EIO/);
  });
});

describe('WAL flushes', () => {
  it('runs one flush at a time; the syncs asked for meanwhile share the next one', async () => {
    const finish: (() => void)[] = [];
    const sync = coalescedSync(() => new Promise<void>((resolve) => finish.push(resolve)));
    const first = sync.sync();
    const waiting = Array.from({ length: 5 }, () => sync.sync());
    assert.equal(finish.length, 1, 'one flush running');
    let laterSettled = 0;
    for (const later of waiting) void later.then(() => laterSettled++);
    finish[0]!();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(finish.length, 2, 'one more flush for all five, started after the first ended');
    assert.equal(
      laterSettled,
      0,
      'their commits may be after the first flush began: they wait for the second',
    );
    finish[1]!();
    await Promise.all(waiting);
    assert.equal(finish.length, 2);
  });

  it('fails every sync after a failed flush (the kernel may have dropped the pages)', async () => {
    let calls = 0;
    const sync = coalescedSync(async () => {
      calls++;
      if (calls === 1) throw new Error('EIO');
    });
    await assert.rejects(sync.sync(), /EIO/);
    await assert.rejects(sync.sync(), /EIO/);
    assert.equal(calls, 1, 'no flush tried after the failure');
  });

  it('flushes a real WAL file, and fails where there is none', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-wal-'));
    try {
      const file = path.join(dir, 'w.sqlite');
      const walDb = openDatabase(file);
      walDb.exec('CREATE TABLE t (x)');
      const sync = walFileSync(`${file}-wal`);
      await sync.sync();
      await sync.close();
      walDb.close();
      await assert.rejects(walFileSync(path.join(dir, 'missing-wal')).sync(), { code: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
