import { AuthError } from './errors.js';
import { decodeState, encodeState, type SessionState } from './session.js';
import type { TokenStorage } from './storage/storage.js';

/** Writes the session made in this tab to storage. */
export interface SessionWriter {
  /**
   * Stores `state`. Resolves with what to tell the app when storage refused it (once until a
   * write works again), else `undefined`; never rejects.
   */
  save(state: SessionState): Promise<AuthError | undefined>;
}

/**
 * A storage that refuses (full: `QuotaExceededError`) must not fail the sign-in or refresh that
 * happened on the server: the session goes on in memory and reaches the other tabs by message.
 * What storage held is removed (that needs no room) when its refresh token is another one: a
 * reload that presented a spent token would be reuse, which revokes the session. The same token
 * (a profile change) stays: it still works, and without BroadcastChannel the other tabs read a
 * removal as a sign-out of it, after which they revoke its successors.
 */
export function createSessionWriter(deps: {
  readonly storage: TokenStorage;
  readonly storageKey: string;
}): SessionWriter {
  /** Whether the last write failed (the app has been told). */
  let failing = false;
  return {
    async save(state) {
      try {
        await deps.storage.set(deps.storageKey, encodeState(state));
        failing = false;
        return undefined;
      } catch (cause) {
        const stored = await deps.storage.get(deps.storageKey).catch(() => undefined);
        const same =
          stored !== undefined && decodeState(stored)?.session.refreshToken === state.session.refreshToken;
        if (!same) {
          await deps.storage.remove(deps.storageKey).catch(() => {
            // Nothing more can be done here; the server refuses the spent token when presented.
          });
        }
        if (failing) return undefined;
        failing = true;
        return new AuthError(
          'storage_failed',
          'This device could not save your sign-in (its storage may be full), so you will need to sign in again after the app is closed or reloaded.',
          { cause },
        );
      }
    },
  };
}
