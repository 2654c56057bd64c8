import type { Timers } from './timers.js';

/** The part of the Web Locks API the client uses. */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { signal?: AbortSignal; mode?: 'exclusive' | 'shared'; ifAvailable?: boolean },
    /** Gets the lock, or `null` when `ifAvailable` was asked and the lock was not. */
    callback: (lock: { readonly name: string } | null) => Promise<T>,
  ): Promise<T>;
  /** The locks held and waited for, across the origin (read by rotationMarks.ts). */
  query?(): Promise<{ readonly held?: readonly { readonly name?: string }[] }>;
}

/**
 * Runs a task while holding an origin-wide exclusive Web Lock, so that one tab refreshes at a
 * time; without Web Locks it runs the task at once.
 *
 * The lock is waited for at most `timeoutMs`. A frozen tab (a backgrounded mobile tab, a stopped
 * renderer) keeps holding a lock it took, and Supabase removed `navigator.locks` after such tabs
 * deadlocked every other tab. Past the timeout the task runs without the lock. That is safe: the
 * task re-reads the stored session first (another tab may have refreshed), and if the frozen tab
 * did send the same refresh token, the server's grace window (10 s by default, longer than the
 * default timeout) answers both with the same session instead of calling it reuse.
 */
export function createTabLock(options: {
  readonly name: string;
  readonly locks: LockManagerLike | undefined;
  readonly timeoutMs: number;
  readonly timers: Timers;
}): <T>(task: () => Promise<T>) => Promise<T> {
  const { name, locks, timeoutMs, timers } = options;
  if (locks === undefined) return (task) => task();
  return async (task) => {
    const waiting = new AbortController();
    let granted = false;
    const handle = timers.setTimeout(() => waiting.abort(), timeoutMs);
    try {
      return await locks.request(name, { signal: waiting.signal }, () => {
        granted = true;
        timers.clearTimeout(handle);
        return task();
      });
    } catch (error) {
      if (granted || !waiting.signal.aborted) throw error;
      return task();
    }
  };
}

/** `navigator.locks` where the platform has it. */
export function platformLocks(): LockManagerLike | undefined {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}
