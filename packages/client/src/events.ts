import type { AuthError, RefreshUnavailableError } from './errors.js';
import type { Session } from './session.js';

/**
 * Why a session ended: `logout` (here or in another tab), `revoked` (ended from another device:
 * "revoke", "sign out everywhere", a password change), `reused` (the server saw the refresh token
 * twice and ended the session to stop a thief), `refresh_failed` (expired or otherwise refused),
 * `deleted` (the user deleted their account, here or in another tab).
 */
export type SignOutReason = 'logout' | 'refresh_failed' | 'reused' | 'revoked' | 'deleted';

/**
 * What subscribers of {@link AuthClient.subscribe} receive.
 *
 * - `initial-session`: first, once per listener: the session restored from storage (or `null`).
 * - `signed-in`, `refreshed`, `signed-out`: the session changed, here or in another tab.
 * - `refresh-unavailable`: a refresh failed for a network or server reason; the session is kept
 *   and retried with back-off. Emitted once per outage.
 * - `refresh-recovered`: the first successful refresh after `refresh-unavailable` (it follows the
 *   `refreshed` event).
 * - `user-updated`: the session's user changed (`updateProfile`, `reloadUser`, a verified
 *   address), here or in another tab; the tokens are the same.
 * - `storage-failed`: storage refused to keep `session` (`error.code` `storage_failed`; the
 *   device's storage is full, say). It goes on in memory and in the other open tabs, and nothing
 *   is stored, so a reload starts signed out. Emitted once until a write works again.
 */
export type AuthEvent =
  | { readonly type: 'initial-session'; readonly session: Session | null }
  | { readonly type: 'signed-in'; readonly session: Session }
  | { readonly type: 'refreshed'; readonly session: Session }
  | { readonly type: 'signed-out'; readonly reason: SignOutReason }
  | { readonly type: 'refresh-unavailable'; readonly error: RefreshUnavailableError }
  | { readonly type: 'refresh-recovered'; readonly session: Session }
  | { readonly type: 'user-updated'; readonly session: Session }
  | { readonly type: 'storage-failed'; readonly session: Session; readonly error: AuthError };

/** A minimal typed event emitter: listeners run synchronously, in subscription order. */
export interface Emitter<E> {
  emit(event: E): void;
  subscribe(listener: (event: E) => void): () => void;
  clear(): void;
}

export function createEmitter<E>(): Emitter<E> {
  const listeners = new Set<(event: E) => void>();
  return {
    emit(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          // A broken listener must not stop the others nor the client's own state change.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    },
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('subscribe() expects a function');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    clear() {
      listeners.clear();
    },
  };
}
