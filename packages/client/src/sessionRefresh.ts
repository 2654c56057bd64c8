import type { Backend, BackendContext } from './backends/backend.js';
import type { AuthErrorCode } from './errorCodes.js';
import { AuthError, RefreshUnavailableError, SessionExpiredError } from './errors.js';
import type { SignOutReason } from './events.js';
import { type SingleFlight, singleFlight } from './refresh.js';
import { decodeState, isNewer, type SessionState, stateFromGrant } from './session.js';
import type { SessionKeeper } from './sessionKeeper.js';
import type { TokenStorage } from './storage/storage.js';

export interface SessionRefreshDeps {
  readonly keeper: SessionKeeper;
  readonly backend: Backend;
  readonly context: BackendContext;
  readonly withLock: <T>(task: () => Promise<T>) => Promise<T>;
  /** Where other tabs store the session they refreshed; `null` without cross-tab sharing. */
  readonly shared: { readonly storage: TokenStorage; readonly storageKey: string } | null;
  readonly clock: { now(): number };
  readonly leadMs: number;
}

/**
 * The refresh of a session: one at a time in this client (single flight) and across tabs (the
 * lock), and never for a session that has changed meanwhile. Resolves with the session to use;
 * rejects with {@link SessionExpiredError} when the server refused the refresh token (the client
 * has signed out) and with {@link RefreshUnavailableError} when no working server answered (the
 * session is kept and retried).
 */
export function createSessionRefresh(deps: SessionRefreshDeps): SingleFlight<SessionState> {
  const { keeper } = deps;
  /** The session that replaced `before` while we waited, if any. */
  const replacement = (before: SessionState): SessionState | undefined => {
    if (keeper.state === before) return undefined;
    if (keeper.state !== null) return keeper.state;
    throw new SessionExpiredError();
  };

  return singleFlight(async () => {
    const before = keeper.state;
    if (before === null) throw new SessionExpiredError();
    return deps.withLock(async () => {
      const changed = replacement(before);
      if (changed) return changed;
      if (deps.shared !== null) {
        // Another tab may have rotated the token while this one waited for the lock.
        const stored = decodeState(await deps.shared.storage.get(deps.shared.storageKey));
        if (stored !== null && isNewer(stored, before)) {
          await keeper.apply({ type: 'refreshed', state: stored, origin: 'elsewhere' });
          return replacement(before) ?? stored;
        }
      }
      let next: SessionState;
      try {
        const grant = await deps.backend.refresh(deps.context, before.session.refreshToken);
        next = stateFromGrant(grant, deps.clock.now(), deps.leadMs, before.session.user);
      } catch (error) {
        if (error instanceof AuthError && (error.status === 400 || error.status === 401)) {
          // Only the session whose token was refused ends; a newer one (signed in meanwhile) stays.
          const meanwhile = replacement(before);
          if (meanwhile) return meanwhile;
          await keeper.apply({ type: 'signed-out', reason: signOutReasonOf(error.code), origin: 'here' });
          throw new SessionExpiredError(undefined, error.code, error);
        }
        const unavailable = new RefreshUnavailableError(
          error,
          error instanceof AuthError ? error.status : undefined,
        );
        if (keeper.state === before) await keeper.apply({ type: 'refresh-failed', error: unavailable });
        throw unavailable;
      }
      // Signed out (or in as someone else) while the request was on the wire: keep that decision.
      const meanwhile = replacement(before);
      if (meanwhile) return meanwhile;
      await keeper.apply({ type: 'refreshed', state: next, origin: 'here' });
      return next;
    });
  });
}

function signOutReasonOf(code: AuthErrorCode): SignOutReason {
  if (code === 'refresh_token_reused') return 'reused';
  if (code === 'session_revoked') return 'revoked';
  return 'refresh_failed';
}
