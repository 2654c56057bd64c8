import { setBounded } from '../../boundedMap.js';
import type { TodoRecord } from '../store.js';

/**
 * A number that changes whenever *another* connection commits (SQLite's `PRAGMA data_version`).
 * Commits on our own connection do not change it; those are reported with `forget`.
 */
export type ExternalVersion = () => number;

/**
 * Remembers each user's todo list as a frozen snapshot until something could have changed it, so
 * that the most frequent request of a client (reading its list) costs no query, no row mapping
 * and (see routes/todos.ts) no serialisation.
 *
 * Our own writes to a user's todos drop that user's entry before they return. A commit by another
 * connection (an admin tool, a second process on the same file) drops everything: the external
 * version is read at most once per turn of the event loop, because reading it takes SQLite's WAL
 * read lock (three system calls, a seventh of a cached GET). So every commit that completed
 * before the current turn began is seen; requests handled in one turn share one view, as if they
 * had been answered together at its start. Bounded in users and in list length.
 */
export class TodoListCache {
  readonly #lists = new Map<string, readonly TodoRecord[]>();
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
  read(userId: string, load: () => TodoRecord[]): readonly TodoRecord[] {
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
    const list = Object.freeze(load().map((todo) => Object.freeze(todo)));
    if (list.length <= this.maxListLength) setBounded(this.#lists, userId, list, this.capacity);
    return list;
  }

  /** Drops a user's list: call it when our own connection changes that user's todos. */
  forget(userId: string): void {
    this.#lists.delete(userId);
  }

  get size(): number {
    return this.#lists.size;
  }
}
