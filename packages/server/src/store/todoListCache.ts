import { setBounded } from '../boundedMap.js';
import type { Store, TodoRecord } from './store.js';

/**
 * A number that changes whenever *another* writer commits (SQLite's `PRAGMA data_version`).
 * Writes through the caching store itself do not need it: they drop their user's list.
 */
export type ExternalVersion = () => number;

/**
 * The speed trick of the hottest request, kept behind one boundary: a {@link Store} whose todo
 * lists are remembered per user until something could have changed them, so that reading one's
 * list (what a client does most) costs no query and no row mapping, and, since an unchanged list
 * is the very same object, lets the route reuse its JSON. Only for engines that can tell cheaply
 * when another writer committed (SQLite, through `externalVersion`); the store contract itself
 * knows nothing of it.
 *
 * Writes through this store that change a user's todos (creating, changing, deleting a todo,
 * deleting the user: a new such Store verb must be added here) drop that user's list before they
 * return. A commit by another writer (an admin tool, a second process on
 * the same file) drops everything: see {@link TodoListCache}.
 */
export function withTodoListCache(store: Store, externalVersion: ExternalVersion): Store {
  const lists = new TodoListCache(externalVersion);
  return {
    ...store,
    listTodos: (userId) => lists.read(userId, () => store.listTodos(userId)),
    async createTodo(todo) {
      lists.forget(todo.userId);
      return store.createTodo(todo);
    },
    async updateTodo(userId, id, patch, now) {
      lists.forget(userId);
      return store.updateTodo(userId, id, patch, now);
    },
    async deleteTodo(userId, id) {
      lists.forget(userId);
      return store.deleteTodo(userId, id);
    },
    async deleteUser(userId) {
      lists.forget(userId);
      return store.deleteUser(userId);
    },
  };
}

/**
 * Each user's todo list as a frozen snapshot. The external version is read at most once per turn
 * of the event loop, because reading SQLite's takes the WAL read lock (three system calls, a
 * seventh of a cached GET): every commit that completed before the current turn began is seen;
 * requests handled in one turn share one view, as if answered together at its start. A load that
 * a write to the same user overtook is not remembered. Bounded in users and in list length.
 */
export class TodoListCache {
  readonly #lists = new Map<string, readonly TodoRecord[]>();
  /** Bumped by every `forget`: a load started before it must not be remembered after it. */
  readonly #generation = new Map<string, number>();
  #version: number | undefined;
  #checkedThisTurn = false;
  readonly #endTurn = () => {
    this.#checkedThisTurn = false;
  };

  constructor(
    private readonly externalVersion: ExternalVersion,
    private readonly capacity = 10_000,
    private readonly maxListLength = 500,
  ) {}

  /** The user's list from the cache, or from `load` (and then remembered). */
  async read(userId: string, load: () => Promise<readonly TodoRecord[]>): Promise<readonly TodoRecord[]> {
    if (!this.#checkedThisTurn) {
      this.#checkedThisTurn = true;
      setImmediate(this.#endTurn);
      const version = this.externalVersion();
      if (version !== this.#version) {
        this.#lists.clear();
        this.#version = version;
      }
    }
    const cached = this.#lists.get(userId);
    if (cached) return cached;
    const generation = this.#generation.get(userId);
    const list = Object.freeze((await load()).map((todo) => Object.freeze({ ...todo })));
    if (list.length <= this.maxListLength && this.#generation.get(userId) === generation) {
      setBounded(this.#lists, userId, list, this.capacity);
    }
    return list;
  }

  /** Drops a user's list: call it when a write through this process changes that user's todos. */
  forget(userId: string): void {
    this.#lists.delete(userId);
    setBounded(this.#generation, userId, (this.#generation.get(userId) ?? 0) + 1, this.capacity);
  }

  get size(): number {
    return this.#lists.size;
  }
}
