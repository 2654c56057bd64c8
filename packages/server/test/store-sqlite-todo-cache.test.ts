import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { createSqliteStore } from '../src/store/index.js';
import { TodoListCache } from '../src/store/sqlite/todoListCache.js';
import type { Store, TodoRecord } from '../src/store/store.js';

describe('SQLite todo lists: cached, and never stale', () => {
  let dir: string;
  let store: Store;
  let other: Store;
  const userId = randomUUID();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-todo-cache-'));
    const filename = path.join(dir, 'baton.sqlite');
    store = createSqliteStore({ filename });
    await store.migrate();
    // A second connection to the same file stands for another process (an admin tool, a second server).
    other = createSqliteStore({ filename });
    await store.createUser({
      id: userId,
      email: 'cache@example.com',
      emailKey: 'cache@example.com',
      name: null,
      passwordHash: 'x',
      createdAt: 0,
    });
  });
  after(async () => {
    await store.close();
    await other.close();
    await rm(dir, { recursive: true, force: true });
  });

  const add = (target: Store, title: string) =>
    target.createTodo({ id: randomUUID(), userId, title, createdAt: Date.now() });

  it('answers an unchanged list with the same frozen snapshot', async () => {
    await add(store, 'one');
    const first = await store.listTodos(userId);
    const second = await store.listTodos(userId);
    assert.equal(second, first, 'no second query: the same snapshot');
    assert.ok(
      Object.isFrozen(first) && Object.isFrozen(first[0]),
      'callers cannot change the shared snapshot',
    );
  });

  it("sees this connection's own writes at once", async () => {
    const created = await add(store, 'two');
    assert.deepEqual(
      (await store.listTodos(userId)).map((todo) => todo.title),
      ['one', 'two'],
    );
    await store.updateTodo(userId, created.id, { done: true }, Date.now());
    assert.equal((await store.listTodos(userId)).at(-1)?.done, true);
    await store.deleteTodo(userId, created.id);
    assert.deepEqual(
      (await store.listTodos(userId)).map((todo) => todo.title),
      ['one'],
    );
  });

  it("sees another connection's commit from the next turn of the event loop", async () => {
    await nextTurn();
    assert.equal((await store.listTodos(userId)).length, 1);
    await add(other, 'from elsewhere');
    await nextTurn();
    assert.deepEqual(
      (await store.listTodos(userId)).map((todo) => todo.title),
      ['one', 'from elsewhere'],
    );
  });
});

describe('TodoListCache bounds', () => {
  const todo = (userId: string, index: number): TodoRecord => ({
    id: `t${index}`,
    userId,
    title: `todo ${index}`,
    done: false,
    createdAt: index,
    updatedAt: index,
  });

  it('keeps at most `capacity` users, dropping the least recently added', () => {
    let loads = 0;
    const cache = new TodoListCache(() => 1, 2);
    const read = (userId: string) =>
      cache.read(userId, () => {
        loads += 1;
        return [todo(userId, 1)];
      });
    read('a');
    read('b');
    read('c');
    assert.equal(cache.size, 2);
    assert.equal(loads, 3);
    read('c');
    read('b');
    assert.equal(loads, 3, 'b and c are still cached');
    read('a');
    assert.equal(loads, 4, 'a was dropped');
  });

  it('does not keep lists longer than `maxListLength`', () => {
    const cache = new TodoListCache(() => 1, 10, 3);
    const long = Array.from({ length: 4 }, (_, index) => todo('a', index));
    const first = cache.read('a', () => long);
    assert.notEqual(
      cache.read('a', () => [...long]),
      first,
    );
    assert.equal(cache.size, 0);
  });

  it('drops everything when the external version moves', () => {
    let version = 1;
    let loads = 0;
    const cache = new TodoListCache(() => version);
    const read = () => cache.read('a', () => [todo('a', ++loads)]);
    read();
    read();
    assert.equal(loads, 1);
    version = 2;
    // Within one turn the version is read once; the next turn sees the change.
    read();
    assert.equal(loads, 1);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        read();
        assert.equal(loads, 2);
        resolve();
      }),
    );
  });
});
