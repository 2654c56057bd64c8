import type { LockManagerLike } from '../../src/tabLock.js';

/**
 * An in-process Web Locks manager for Node (which has no `navigator.locks` before Node 22):
 * exclusive locks granted first come, first served, shared ones to every asker at once (this
 * fake never mixes the two modes on one name), and `query()` of the held ones. A released
 * lock is granted to the next waiter within the same turn of the event loop, before any message
 * of a `BroadcastChannel` can arrive: the order in which Chromium sometimes delivers them to
 * another tab (see rotationMarks.ts), made certain.
 */
export function fakeLocks(): LockManagerLike & {
  holds(name: string): boolean;
  waiting(name: string): number;
} {
  /** How many hold each lock (more than one only for shared locks). */
  const held = new Map<string, number>();
  const queues = new Map<string, (() => void)[]>();
  const grantNext = (name: string) => {
    const holders = (held.get(name) ?? 1) - 1;
    if (holders > 0) return void held.set(name, holders);
    held.delete(name);
    queues.get(name)?.shift()?.();
  };
  return {
    request<T>(
      name: string,
      options: { mode?: 'exclusive' | 'shared'; ifAvailable?: boolean },
      callback: (lock: { readonly name: string } | null) => Promise<T>,
    ): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const grant = () => {
          held.set(name, (held.get(name) ?? 0) + 1);
          Promise.resolve()
            .then(() => callback({ name }))
            .then(resolve, reject)
            .finally(() => grantNext(name));
        };
        if (!held.has(name) || options.mode === 'shared') grant();
        else if (options.ifAvailable) Promise.resolve(null).then(callback).then(resolve, reject);
        else queues.set(name, [...(queues.get(name) ?? []), grant]);
      });
    },
    query: async () => ({ held: [...held.keys()].map((name) => ({ name })) }),
    holds: (name) => held.has(name),
    waiting: (name) => queues.get(name)?.length ?? 0,
  };
}

/** Installs `locks` as `navigator.locks` until the returned function is called. */
export function installLocks(locks: LockManagerLike): () => void {
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true, writable: true });
  return () => {
    if (previous) Object.defineProperty(globalThis, 'navigator', previous);
    else Reflect.deleteProperty(globalThis, 'navigator');
  };
}
