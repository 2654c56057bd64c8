import type { LockManagerLike } from './tabLock.js';
import type { Timers } from './timers.js';

/**
 * Marks, visible to every tab of the origin at once, of the refresh tokens a tab has just rotated.
 *
 * A tab that waited for the refresh lock must learn whether the tab before it rotated the token
 * they share. The session that tab stored and the message it sent do not tell it reliably:
 * Chromium grants the lock, delivers `localStorage` changes and delivers `BroadcastChannel`
 * messages over separate channels, so the waiting tab can get the lock first and still read the
 * old session. It would then refresh with the spent token: an extra request against Baton (its
 * grace window answers with the same session), and a sign-out of every tab against a server that
 * rejects a rotated token outright (simplejwt with `BLACKLIST_AFTER_ROTATION`).
 *
 * The lock manager itself is consistent: the rotating tab takes a shared lock named after the
 * spent token before it lets go of the refresh lock, so the next holder's `query()` sees that mark
 * and knows to wait for the news instead of refreshing. A mark is needed only until the news has
 * arrived, so it lasts `holdMs` (a tab waits for news no longer than that either): a page that
 * holds a Web Lock cannot enter the back/forward cache.
 */
export interface RotationMarks {
  /** Marks `refreshToken` as rotated by this tab; resolves once every tab can see the mark. */
  mark(refreshToken: string): Promise<void>;
  /** Whether a tab has marked `refreshToken` as rotated (false when that cannot be known). */
  isMarked(refreshToken: string): Promise<boolean>;
  /** Drops this tab's marks; later marks are not taken. */
  close(): void;
}

export interface RotationMarksOptions {
  /** The refresh lock's name; marks are named after it. */
  readonly prefix: string;
  readonly locks: LockManagerLike | undefined;
  /** How long a mark lasts. */
  readonly holdMs: number;
  readonly timers: Timers;
}

/** Marks where there is no lock manager to keep them (or no cross-tab sharing): none, ever. */
export const noRotationMarks: RotationMarks = {
  mark: async () => {},
  isMarked: async () => false,
  close: () => {},
};

export function createRotationMarks(options: RotationMarksOptions): RotationMarks {
  const { prefix, locks, holdMs, timers } = options;
  const query = locks?.query?.bind(locks);
  if (locks === undefined || query === undefined) return noRotationMarks;
  const nameOf = (refreshToken: string) => `${prefix}:rotated:${fingerprint(refreshToken)}`;
  /** Releases each mark this tab holds. */
  const held = new Set<() => void>();
  let closed = false;

  return {
    mark(refreshToken) {
      if (closed) return Promise.resolve();
      return new Promise<void>((marked) => {
        // Shared and only if available (a shared lock always is, unless some code holds it
        // exclusively): two tabs can rotate the same token (one past its lock timeout, answered by
        // the grace window), and neither may wait for the other's mark while it holds the refresh
        // lock.
        locks
          .request(nameOf(refreshToken), { mode: 'shared', ifAvailable: true }, (lock) => {
            marked();
            if (lock === null || closed) return Promise.resolve();
            // The mark lasts while this promise is pending.
            return new Promise<void>((release) => {
              const done = () => {
                held.delete(done);
                timers.clearTimeout(timer);
                release();
              };
              const timer = timers.setTimeout(done, holdMs);
              held.add(done);
            });
          })
          // A lock manager that refuses (a sandboxed frame): no mark, and the tabs refresh as
          // they would without marks.
          .catch(() => marked());
      });
    },
    async isMarked(refreshToken) {
      const name = nameOf(refreshToken);
      try {
        const { held: locksHeld = [] } = await query();
        return locksHeld.some((lock) => lock.name === name);
      } catch {
        // A lock manager that cannot answer (a sandboxed frame): refresh as without marks.
        return false;
      }
    },
    close() {
      closed = true;
      for (const release of [...held]) release();
    },
  };
}

/**
 * A short, stable fingerprint of a refresh token (two 32-bit multiplicative hashes, FNV-1a style),
 * so that lock names, which developer tools list, never carry the token itself. Not a security
 * boundary: any script of the origin can read the stored session anyway, and a collision only
 * makes a tab wait for news.
 */
function fingerprint(token: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ token.length;
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
