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
});
