import type { Backend, BackendContext } from './backends/backend.js';
import type { AuthErrorCode } from './errorCodes.js';
import { AuthError, RefreshUnavailableError, SessionExpiredError } from './errors.js';
import type { SignOutReason } from './events.js';
import { type SingleFlight, singleFlight } from './refresh.js';
import type { RotationMarks } from './rotationMarks.js';
import { decodeState, isNewer, type SessionState, stateFromGrant } from './session.js';
import type { SessionKeeper } from './sessionKeeper.js';
import type { TokenStorage } from './storage/storage.js';
import type { Timers } from './timers.js';

export interface SessionRefreshDeps {
  readonly keeper: SessionKeeper;
  readonly backend: Backend;
  readonly context: BackendContext;
  readonly withLock: <T>(task: () => Promise<T>) => Promise<T>;
  /** Where other tabs store the session they refreshed; `null` without cross-tab sharing. */
  readonly shared: {
    readonly storage: TokenStorage;
    readonly storageKey: string;
    readonly rotations: Pick<RotationMarks, 'mark' | 'isMarked'>;
    /** How long to wait for the news of a rotation another tab made. */
    readonly newsTimeoutMs: number;
  } | null;
  readonly timers: Timers;
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

  /** The session another tab stored, when it is newer than `before` (adopted here too). */
  const storedAfter = async (before: SessionState): Promise<SessionState | undefined> => {
    if (deps.shared === null) return undefined;
    const stored = decodeState(await deps.shared.storage.get(deps.shared.storageKey));
    if (stored === null || !isNewer(stored, before)) return undefined;
    await keeper.apply({ type: 'refreshed', state: stored, origin: 'elsewhere' });
    return replacement(before);
  };

  /** Waits, at most `timeoutMs`, for this client's session to stop being `before`. */
  const newsAfter = async (before: SessionState, timeoutMs: number): Promise<void> => {
    let handle: unknown;
    let timedOut = false;
    const timeout = new Promise<void>((resolve) => {
      handle = deps.timers.setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    });
    while (keeper.state === before && !timedOut) await Promise.race([keeper.nextChange(), timeout]);
    deps.timers.clearTimeout(handle);
  };

  return singleFlight(async () => {
    const before = keeper.state;
    if (before === null) throw new SessionExpiredError();
    const { generation } = keeper;
    return deps.withLock(async () => {
      // Another tab may have rotated the token while this one waited for the lock.
      const known = replacement(before) ?? (await storedAfter(before));
      if (known) return known;
      const shared = deps.shared;
      if (shared !== null && (await shared.rotations.isMarked(before.session.refreshToken))) {
        // It did, and its session has not reached this tab yet (see rotationMarks.ts): wait for it
        // rather than spend the token again. Past the timeout, the server's grace window answers.
        await newsAfter(before, shared.newsTimeoutMs);
        const arrived = replacement(before) ?? (await storedAfter(before));
        if (arrived) return arrived;
      }
      let next: SessionState;
      try {
        const grant = await deps.backend.refresh(deps.context, before.session.refreshToken);
        const { user, refreshToken } = before.session;
        next = stateFromGrant(grant, deps.clock.now(), deps.leadMs, user, refreshToken);
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
        if (keeper.state === before) {
          await keeper.apply({ type: 'refresh-failed', error: unavailable, at: deps.clock.now() });
        }
        throw unavailable;
      }
      // The user signed out (or in as someone else) while the request was on the wire: its answer
      // is never stored nor told, and the keeper revokes it.
      if (keeper.generation !== generation) {
        await keeper.apply({ type: 'refresh-outlived', state: next });
        if (keeper.state === null) throw new SessionExpiredError();
        return keeper.state;
      }
      // Another tab's newer session of it came meanwhile: keep that.
      const meanwhile = replacement(before);
      if (meanwhile) return meanwhile;
      await keeper.apply({ type: 'refreshed', state: next, origin: 'here' });
      // Before the lock is released (the stored session and the message have gone out already).
      // A server that hands the same refresh token back (djoser without rotation) spent nothing.
      if (next.session.refreshToken !== before.session.refreshToken) {
        await deps.shared?.rotations.mark(before.session.refreshToken);
      }
      return next;
    });
  });
}

function signOutReasonOf(code: AuthErrorCode): SignOutReason {
  if (code === 'refresh_token_reused') return 'reused';
  if (code === 'session_revoked') return 'revoked';
  return 'refresh_failed';
}

/**
 * A refresh a caller asks for (a request, `getAccessToken`, `resume`), as opposed to the
 * scheduler's. While the wait that the server asked for after a failed refresh lasts
 * (`Retry-After` on a 429 `rate_limited` or a 503 `storage_unavailable`), it joins a running
 * refresh but starts none: every request of the app would otherwise hit a server that asked for
 * quiet, and the scheduler retries when the wait is over. It rejects instead with a
 * {@link RefreshUnavailableError} whose `retryAfterMs` is the wait that remains.
 */
export function onDemand(
  refresh: SingleFlight<SessionState>,
  keeper: Pick<SessionKeeper, 'serverWait'>,
  clock: { now(): number },
): () => Promise<SessionState> {
  return () => {
    const running = refresh.pending();
    if (running !== null) return running;
    const wait = keeper.serverWait;
    const remainingMs = wait === undefined ? 0 : wait.until - clock.now();
    if (wait === undefined || remainingMs <= 0) return refresh();
    return Promise.reject(new RefreshUnavailableError(wait.error.cause, wait.error.status, remainingMs));
  };
}
