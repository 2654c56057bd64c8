import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createFixture, HOUR, T0 } from '../src/store/conformance/fixture.js';
import { StoreFailedError } from '../src/store/failed.js';
import { createSqliteStore } from '../src/store/index.js';
import { openDatabase } from '../src/store/sqlite/database.js';
import { GroupCommit } from '../src/store/sqlite/groupCommit.js';
import { coalescedSync, type WalSync, walFileSync } from '../src/store/sqlite/walSync.js';
import type { Rotation } from '../src/store/store.js';
import { failingFdatasync, realFdatasync, useFdatasync } from './support/fdatasync.js';

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
      failure: undefined,
      busy: false,
      idle: async () => {},
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

  /** A group commit whose flushes each wait for the test, which records what was committed at each. */
  const heldFlushes = () => {
    const finish: (() => void)[] = [];
    const committedAtFlush: number[] = [];
    const commits = new GroupCommit(
      db,
      coalescedSync(
        () =>
          new Promise<void>((resolve) => {
            committedAtFlush.push(committedCount());
            finish.push(resolve);
          }),
      ),
    );
    return { commits, finish, committedAtFlush };
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('holds the writes that arrive while a flush runs, and commits them together when it ends', async () => {
    const { commits, finish, committedAtFlush } = heldFlushes();
    const before = committedCount();
    const first = commits.run(insert('while-1'));
    await nextTurn();
    assert.deepEqual(committedAtFlush, [before + 1], 'the first write is committed and flushing');
    const later: Promise<unknown>[] = [];
    for (const name of ['while-2', 'while-3', 'while-4']) {
      later.push(commits.run(insert(name)));
      await nextTurn(); // each in a turn of its own
    }
    assert.equal(commits.pending, 3, 'held while the disk is busy');
    assert.equal(committedCount(), before + 1, 'not committed yet');
    finish[0]!();
    await first;
    await nextTurn();
    assert.deepEqual(committedAtFlush, [before + 1, before + 4], 'the three in one commit, then one flush');
    finish[1]!();
    await Promise.all(later);
    assert.equal(commits.pending, 0);
  });

  it('commits held writes when it closes, and answers them after their flush', async () => {
    const { commits, finish, committedAtFlush } = heldFlushes();
    const before = committedCount();
    const first = commits.run(insert('closing-1'));
    await nextTurn();
    const held = commits.run(insert('closing-2'));
    await nextTurn();
    assert.equal(commits.pending, 1);
    const closed = commits.close();
    assert.equal(committedCount(), before + 2, 'committed at once, not after the running flush');
    while (finish.length > 0) {
      finish.shift()!();
      await nextTurn();
    }
    await Promise.all([first, held, closed]);
    assert.deepEqual(committedAtFlush, [before + 1, before + 2]);
  });

  it('commits a group at synchronous=NORMAL and leaves the connection at FULL', async () => {
    // A fresh connection and group commit: the first group must switch too (a pragma statement
    // prepared once applies its value when prepared, not at each run).
    const fresh = openDatabase(path.join(dir, 'pragma.sqlite'));
    try {
      const commits = new GroupCommit(fresh);
      for (let group = 1; group <= 2; group++) {
        const during = await commits.run(() => fresh.pragma('synchronous', { simple: true }));
        assert.equal(during, 1, `group ${group}: NORMAL, the WAL flush is ours, on the thread pool`);
        assert.equal(fresh.pragma('synchronous', { simple: true }), 2, 'FULL for every other commit');
      }
      await commits.close();
    } finally {
      fresh.close();
    }
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
    const before = committedCount();
    await assert.rejects(failing.run(insert('lost-3')), /EIO/);
    assert.equal(
      committedCount(),
      before,
      'not committed either: no write is visible that no one was told of',
    );
    await assert.rejects(failing.durable(), /EIO/);
  });

  it('durable() waits for the flush of every group committed so far, and for nothing when none waits', async () => {
    let flushed: () => void = () => {};
    let flushes = 0;
    const commits = new GroupCommit(
      db,
      coalescedSync(
        () =>
          new Promise<void>((resolve) => {
            flushes++;
            flushed = resolve;
          }),
      ),
    );
    await commits.durable();
    assert.equal(flushes, 0, 'nothing to flush, nothing flushed');
    const write = commits.run(insert('durable-1'));
    await new Promise((resolve) => setImmediate(resolve));
    let durable = false;
    const waiting = commits.durable().then(() => {
      durable = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(durable, false, 'a committed group is still flushing');
    flushed();
    await write;
    await new Promise((resolve) => setImmediate(resolve));
    flushed(); // the flush durable() asked for (it shares one started after the commits it covers)
    await waiting;
    assert.equal(durable, true);
  });

  it('refuses a write after close instead of committing it or throwing from a timer', async () => {
    const file = path.join(dir, 'closing.sqlite');
    const closing = openDatabase(file);
    closing.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    const commits = new GroupCommit(closing);
    const before = commits.run(() => closing.prepare('INSERT INTO items (name) VALUES (?)').run('kept'));
    await commits.close();
    await before;
    await assert.rejects(
      commits.run(() => closing.prepare('INSERT INTO items (name) VALUES (?)').run('late')),
      /closed/,
    );
    closing.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reopened = new Database(file, { readonly: true });
    assert.deepEqual(reopened.prepare('SELECT name FROM items').pluck().all(), ['kept']);
    reopened.close();
  });
});

describe('a SQLite store during a flush', () => {
  /** A store in a directory of its own, with one user's session, its refresh token's hash, and its clean-up. */
  const storeWithSession = async (name: string) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), name));
    const file = path.join(dir, 'baton.sqlite');
    const store = createSqliteStore({ filename: file });
    const remove = () => rm(dir, { recursive: true, force: true });
    try {
      await store.migrate();
      const f = createFixture(() => store);
      const user = await f.newUser();
      const { session, tokenHash } = await f.newSession(user.id);
      return { store, file, userId: user.id, sessionId: session.id, tokenHash, remove };
    } catch (error) {
      await store.close();
      await remove();
      throw error;
    }
  };
  const rotationOf = (tokenHash: string): Rotation => ({
    tokenHash,
    successorHash: `hash-${randomUUID()}`,
    successorBox: null,
    consumedBy: 'client',
    now: T0 + 1,
    idleExpiresAt: T0 + HOUR,
  });

  it('answers findRefreshToken only once what it read is on disk (the grace window hands out what it finds)', async (t) => {
    const { store, tokenHash, remove } = await storeWithSession('baton-durable-read-');
    const held: (() => void)[] = [];
    try {
      // Hold every flush of the WAL until the test lets it go.
      useFdatasync((fd, done) => {
        held.push(() => realFdatasync(fd, done));
      });
      const rotation = store.rotateRefreshToken(rotationOf(tokenHash));
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      let found: unknown;
      const read = store.findRefreshToken(tokenHash).then((record) => {
        found = record;
      });
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(found, undefined, 'the consumption is committed but not flushed: no answer yet');
      while (held.length > 0) held.shift()!();
      await rotation;
      while (found === undefined) {
        while (held.length > 0) held.shift()!();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await read;
      assert.equal((found as { usedAt: number }).usedAt, T0 + 1);
      t.diagnostic('read answered after the flush of the rotation it saw');
    } finally {
      useFdatasync();
      while (held.length > 0) held.shift()!();
      await store.close();
      await remove();
    }
  });

  it('deleting a user scrubs the audit events of theirs that wait behind a running flush', async () => {
    const { store, tokenHash, remove } = await storeWithSession('baton-delete-held-');
    const held: (() => void)[] = [];
    try {
      const user = await createFixture(() => store).newUser();
      useFdatasync((fd, done) => {
        held.push(() => realFdatasync(fd, done));
      });
      // A group whose flush is held: writes asked for now wait for it.
      const rotation = store.rotateRefreshToken(rotationOf(tokenHash));
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const event = store.appendAudit({
        id: randomUUID(),
        at: T0,
        kind: 'login_succeeded',
        userId: user.id,
        sessionId: null,
        ip: '203.0.113.7',
        userAgent: 'Held/1.0',
        detail: null,
      });
      const deleted = store.deleteUser(user.id);
      let settled = false;
      const all = Promise.all([rotation, event, deleted]).finally(() => {
        settled = true;
      });
      while (!settled) {
        while (held.length > 0) held.shift()!();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal((await all)[2], true);
      const events = await store.listAudit({ userId: user.id });
      assert.deepEqual(
        events.map(({ ip, userAgent }) => ({ ip, userAgent })),
        [{ ip: null, userAgent: null }],
        'the event is kept, without the address and device it came from',
      );
    } finally {
      useFdatasync();
      while (held.length > 0) held.shift()!();
      await store.close();
      await remove();
    }
  });

  it("rejects a rotation whose WAL flush fails with the disk's own error, and every write after it", async () => {
    const { store, file, userId, sessionId, tokenHash, remove } =
      await storeWithSession('baton-flush-fails-');
    try {
      // The real call path (walFileSync's fdatasync on the thread pool), failing as a dying disk does.
      assert.equal(store.lastingFailure?.(), undefined);
      useFdatasync(failingFdatasync);
      await assert.rejects(
        store.rotateRefreshToken(rotationOf(tokenHash)),
        (error) => error instanceof StoreFailedError && (error.cause as { code?: string }).code === 'EIO',
      );
      useFdatasync();
      assert.ok(store.lastingFailure?.() instanceof StoreFailedError, 'the store says it failed');
      // A later fsync that succeeds proves nothing about the pages the failed one dropped: its
      // frames would follow them in the WAL, past where recovery stops after a power loss. So no
      // write is acknowledged, also those that are not sign-in or refresh.
      await assert.rejects(store.rotateRefreshToken(rotationOf(tokenHash)), /EIO/);
      await assert.rejects(store.revokeSession(sessionId, 'logout', T0 + 2), /EIO/);
      await assert.rejects(store.updatePasswordHash(userId, '$argon2id$other', T0 + 2), /EIO/);
      await assert.rejects(
        store.createTodo({ id: randomUUID(), userId, title: 'lost', createdAt: T0 + 2 }),
        /EIO/,
      );
      await assert.rejects(
        store.createOneTimeToken({
          tokenHash: `reset-${randomUUID()}`,
          purpose: 'password_reset',
          userId,
          email: null,
          emailKey: null,
          createdAt: T0 + 2,
          expiresAt: T0 + HOUR,
        }),
        /EIO/,
      );
      await store.close().catch(() => {});
      const after = new Database(file, { readonly: true });
      try {
        const row = (sql: string, ...params: string[]) => after.prepare(sql).get(...params);
        assert.deepEqual(row('SELECT revoked_at FROM sessions WHERE id = ?', sessionId), {
          revoked_at: null,
        });
        assert.deepEqual(row('SELECT password_hash FROM users WHERE id = ?', userId), {
          password_hash: '$argon2id$fake',
        });
        assert.deepEqual(row('SELECT count(*) AS n FROM todos'), { n: 0 });
        assert.deepEqual(row('SELECT count(*) AS n FROM one_time_tokens'), { n: 0 });
      } finally {
        after.close();
      }
    } finally {
      useFdatasync();
      await store.close().catch(() => {});
      await remove();
    }
  });

  it('flushes the WAL next to the real file when the database path is a symbolic link', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-symlink-'));
    try {
      await mkdir(path.join(dir, 'real'));
      await mkdir(path.join(dir, 'link'));
      const real = path.join(dir, 'real', 'baton.sqlite');
      const first = createSqliteStore({ filename: real });
      await first.migrate();
      await first.close();
      await symlink(real, path.join(dir, 'link', 'baton.sqlite'));
      const store = createSqliteStore({ filename: path.join(dir, 'link', 'baton.sqlite') });
      const f = createFixture(() => store);
      const user = await f.newUser();
      await f.newSession(user.id); // a group write: fails if the WAL is looked for beside the link
      assert.equal(fs.existsSync(path.join(dir, 'link', 'baton.sqlite-wal')), false);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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

  it('never runs two flushes at once, also for a sync asked for as one flush ends', async () => {
    let active = 0;
    let most = 0;
    const finish: (() => void)[] = [];
    const sync = coalescedSync(
      () =>
        new Promise<void>((resolve) => {
          active++;
          most = Math.max(most, active);
          finish.push(() => {
            active--;
            resolve();
          });
        }),
    );
    const first = sync.sync();
    const second = sync.sync(); // queued behind the first
    finish.shift()!();
    await first; // resumes before the queued flush has started
    const third = sync.sync();
    await new Promise((resolve) => setImmediate(resolve));
    while (finish.length > 0) {
      finish.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([second, third]);
    assert.equal(most, 1, 'one flush at a time');
    await sync.close();
    await sync.close(); // twice: releases once
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
      await assert.rejects(
        walFileSync(path.join(dir, 'missing-wal')).sync(),
        (error) => error instanceof StoreFailedError && (error.cause as { code?: string }).code === 'ENOENT',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
