import type { LockManagerLike } from './tabLock.js';

/**
 * Marks, visible to every tab of the origin at once, of the refresh tokens a tab has rotated.
 *
 * A tab that waited for the refresh lock must learn whether the tab before it rotated the token
 * they share. The session that tab stored and the message it sent do not tell it reliably:
 * Chromium grants the lock, delivers `localStorage` changes and delivers `BroadcastChannel`
 * messages over separate channels, so the waiting tab can get the lock first and still read the
 * old session (about one time in ten on a busy machine). It would then refresh with the spent
 * token: an extra request against Baton (its grace window answers with the same session), and a
 * sign-out of every tab against a server that rejects a rotated token outright (simplejwt with
 * `BLACKLIST_AFTER_ROTATION`, strict OAuth 2 servers).
 *
 * The lock manager itself is consistent: the rotating tab takes a lock named after the spent token
 * before it lets go of the refresh lock, so the next holder's `query()` sees that mark and knows
 * to wait for the news instead of refreshing. A tab keeps only its latest mark; every mark ends
 * with its tab.
 */
export interface RotationMarks {
  /** Marks `refreshToken` as rotated by this tab; resolves once every tab can see the mark. */
  mark(refreshToken: string): Promise<void>;
  /** Whether a tab has marked `refreshToken` as rotated. */
  isMarked(refreshToken: string): Promise<boolean>;
  /** Drops this tab's mark. */
  close(): void;
}

export function createRotationMarks(prefix: string, locks: LockManagerLike | undefined): RotationMarks {
  const query = locks?.query?.bind(locks);
  if (locks === undefined || query === undefined) {
    return { mark: async () => {}, isMarked: async () => false, close: () => {} };
  }
  const nameOf = (refreshToken: string) => `${prefix}:rotated:${fingerprint(refreshToken)}`;
  let releaseHeld: (() => void) | null = null;

  return {
    mark(refreshToken) {
      releaseHeld?.();
      return new Promise<void>((marked, failed) => {
        // Shared: two tabs can rotate the same token (one past its lock timeout, answered by the
        // grace window), and neither may wait for the other's mark while it holds the refresh lock.
        locks
          .request(nameOf(refreshToken), { mode: 'shared' }, () => {
            marked();
            // The mark lasts while this promise is pending: until the next mark or close().
            return new Promise<void>((release) => {
              releaseHeld = release;
            });
          })
          .catch(failed);
      });
    },
    async isMarked(refreshToken) {
      const name = nameOf(refreshToken);
      const { held = [] } = await query();
      return held.some((lock) => lock.name === name);
    },
    close() {
      releaseHeld?.();
      releaseHeld = null;
    },
  };
}

/**
 * A short, stable fingerprint of a refresh token (two FNV-1a 32-bit hashes), so that lock names,
 * which developer tools list, never carry the token itself. Not a security boundary: any script of
 * the origin can read the stored session anyway, and a collision only makes a tab wait for news.
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
