import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createSqliteStore, withTodoListCache } from '../src/store/index.js';
import type { Store, TodoRecord } from '../src/store/store.js';
import { TodoListCache } from '../src/store/todoListCache.js';

/** A cached store on a fresh SQLite file, a second connection to it, and one user: each test its own. */
async function withFixture(test: (cached: Store, other: Store, userId: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-todo-cache-'));
  const filename = path.join(dir, 'baton.sqlite');
  const sqlite = createSqliteStore({ filename });
  await sqlite.migrate();
  const cached = withTodoListCache(sqlite, () => sqlite.externalVersion());
  // A second connection to the same file stands for another process (an admin tool, a second server).
  const other = createSqliteStore({ filename });
  const userId = randomUUID();
  await cached.createUser({
    id: userId,
    email: `${userId}@x.io`,
    emailKey: `${userId}@x.io`,
    name: null,
    passwordHash: 'x',
    createdAt: 0,
  });
  try {
    await test(cached, other, userId);
  } finally {
    await sqlite.close();
    await other.close();
    await rm(dir, { recursive: true, force: true });
  }
}

let created = 0;
/** Todos are listed oldest first: each gets a later creation time than the one before. */
const add = (target: Store, userId: string, title: string) =>
  target.createTodo({ id: randomUUID(), userId, title, createdAt: ++created });
const titles = async (store: Store, userId: string) =>
  (await store.listTodos(userId)).map((todo) => todo.title);

describe('todo lists cached in front of SQLite, and never stale', () => {
  it('answers an unchanged list with the same frozen object', () =>
    withFixture(async (cached, _other, userId) => {
      await add(cached, userId, 'one');
      const first = await cached.listTodos(userId);
      const second = await cached.listTodos(userId);
      assert.equal(second, first, 'no second query: the same object');
      assert.ok(Object.isFrozen(first) && Object.isFrozen(first[0]), 'callers cannot change the shared list');
    }));

  it('sees its own writes at once: create, update, delete', () =>
    withFixture(async (cached, _other, userId) => {
      await add(cached, userId, 'one');
      await cached.listTodos(userId);
      const created = await add(cached, userId, 'two');
      assert.deepEqual(await titles(cached, userId), ['one', 'two']);
      await cached.updateTodo(userId, created.id, { done: true }, Date.now());
      assert.equal((await cached.listTodos(userId)).at(-1)?.done, true);
      await cached.deleteTodo(userId, created.id);
      assert.deepEqual(await titles(cached, userId), ['one']);
    }));

  it("sees another connection's commit from the next turn of the event loop", () =>
    withFixture(async (cached, other, userId) => {
      await add(cached, userId, 'one');
      await nextTurn();
      assert.deepEqual(await titles(cached, userId), ['one']);
      await add(other, userId, 'from elsewhere');
      await nextTurn();
      assert.deepEqual(await titles(cached, userId), ['one', 'from elsewhere']);
    }));
});

describe('TodoListCache', () => {
  const todo = (userId: string, index: number): TodoRecord => ({
    id: `t${index}`,
    userId,
    title: `todo ${index}`,
    done: false,
    createdAt: index,
    updatedAt: index,
  });

  it('keeps at most `capacity` users, dropping the least recently added', async () => {
    let loads = 0;
    const cache = new TodoListCache(() => 1, 2);
    const read = (userId: string) =>
      cache.read(userId, async () => {
        loads += 1;
        return [todo(userId, 1)];
      });
    for (const user of ['a', 'b', 'c']) await read(user);
    assert.equal(cache.size, 2);
    assert.equal(loads, 3);
    await read('c');
    await read('b');
    assert.equal(loads, 3, 'b and c are still cached');
    await read('a');
    assert.equal(loads, 4, 'a was dropped');
  });

  it('does not keep lists longer than `maxListLength`', async () => {
    const cache = new TodoListCache(() => 1, 10, 3);
    const long = Array.from({ length: 4 }, (_, index) => todo('a', index));
    const first = await cache.read('a', async () => long);
    assert.notEqual(await cache.read('a', async () => [...long]), first);
    assert.equal(cache.size, 0);
  });

  it('drops everything when the external version moves, seen from the next turn', async () => {
    let version = 1;
    let loads = 0;
    const cache = new TodoListCache(() => version);
    const read = () => cache.read('a', async () => [todo('a', ++loads)]);
    await read();
    await read();
    assert.equal(loads, 1);
    version = 2;
    await read();
    assert.equal(loads, 1, 'within one turn the version is read once');
    await nextTurn();
    await read();
    assert.equal(loads, 2);
  });

  it('does not remember a load that a write to the same user overtook', async () => {
    const cache = new TodoListCache(() => 1);
    let release: () => void = () => {};
    const slow = cache.read('a', () => new Promise((resolve) => (release = () => resolve([todo('a', 1)]))));
    cache.forget('a');
    release();
    await slow;
    let loads = 0;
    await cache.read('a', async () => [todo('a', ++loads)]);
    assert.equal(loads, 1, 'the stale list was not kept');
  });
});
