import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase } from '../src/store/sqlite/database.js';
import { GroupCommit } from '../src/store/sqlite/groupCommit.js';

/** One turn of the event loop. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `promise` has settled, and how. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/** Turns of the event loop until `done()` (at most `turns`, with a 5 ms pause each, the retry interval). */
async function until(done: () => boolean, turns = 400): Promise<void> {
  for (let turn = 0; turn < turns && !done(); turn++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('SQLite group commit while another connection holds the write lock', () => {
  let dir: string;
  let filename: string;
  let db: Database.Database;
  /** Another process's connection: the CLI, a backup tool, a second server. */
  let holder: Database.Database;
  let now: number;
  let commits: GroupCommit;
  const names = () => holder.prepare('SELECT name FROM items ORDER BY id').pluck().all();
  const insert = (name: string) => () => db.prepare('INSERT INTO items (name) VALUES (?)').run(name).changes;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-lock-wait-'));
    filename = path.join(dir, 'locked.sqlite');
    db = openDatabase(filename);
    db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
    holder = new Database(filename);
  });
  beforeEach(() => {
    now = 0;
    commits = new GroupCommit(db, undefined, undefined, () => now);
    holder.exec('DELETE FROM items');
  });
  after(async () => {
    await commits.close();
    holder.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('waits for the lock between turns of the event loop, not inside SQLite, and commits once it is free', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const first = track(commits.run(insert('first')));
    // SQLite's busy handler would sleep right here, on the event loop, for up to 5 s.
    for (let turn = 0; turn < 20; turn++) await nextTurn();
    await until(() => false, 4);
    assert.equal(first.settled, false, 'the write still waits for the lock');
    const second = track(commits.run(insert('second')));
    await until(() => false, 4);
    assert.equal(commits.pending, 2, 'a later write joins the waiting one');
    holder.exec('COMMIT');
    await until(() => first.settled && second.settled);
    assert.equal(first.error, undefined);
    assert.equal(second.error, undefined);
    assert.deepEqual(names(), ['first', 'second'], 'in the order they were asked for');
  });

  it('a burst of 200 parallel writes during the lock waits as one group and commits every write once', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const burst = Array.from({ length: 200 }, (_, index) => track(commits.run(insert(`burst ${index}`))));
    await until(() => false, 4);
    assert.equal(commits.pending, 200, 'all of them wait, none failed');
    assert.ok(burst.every((write) => !write.settled));
    holder.exec('COMMIT');
    await until(() => burst.every((write) => write.settled));
    assert.ok(burst.every((write) => write.error === undefined));
    assert.deepEqual(
      names(),
      burst.map((_, index) => `burst ${index}`),
    );
  });

  it('asks SQLite for the lock without its busy wait, and leaves the connection waiting as before for everything else', async () => {
    // Whether SQLite sleeps on the event loop is a matter of time, which tests do not measure:
    // the busy timeout in force inside a group's transaction says it instead.
    const inGroup = await commits.run(() => db.pragma('busy_timeout', { simple: true }));
    assert.equal(inGroup, 0);
    assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  });

  it('gives up with SQLITE_BUSY once the lock has been out of reach for 5 s on its clock, and then writes again', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const refused = track(commits.run(insert('refused')));
    await until(() => false, 4);
    now += 4_999;
    await until(() => false, 4);
    assert.equal(refused.settled, false, 'still waiting at 4,999 ms');
    now += 1;
    await until(() => refused.settled);
    assert.equal((refused.error as { code?: string } | undefined)?.code, 'SQLITE_BUSY');
    holder.exec('ROLLBACK');

    const later = track(commits.run(insert('later')));
    await until(() => later.settled);
    assert.equal(later.error, undefined);
    assert.deepEqual(names(), ['later']);
  });

  it('closing waits, between turns, for a group that waits for the lock, and commits it', async () => {
    holder.exec('BEGIN IMMEDIATE');
    const waiting = commits.run(insert('at close'));
    await until(() => false, 4);
    // Another process ends its transaction while this one is closing.
    setTimeout(() => holder.exec('COMMIT'), 20);
    await commits.close();
    assert.equal(await waiting, 1);
    assert.deepEqual(names(), ['at close']);
  });
});
