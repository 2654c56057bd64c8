import type { RefreshUnavailableError } from './errors.js';
import type { AuthEvent, SignOutReason } from './events.js';
import { encodeState, isNewer, type SessionState, type User } from './session.js';
import type { TokenStorage } from './storage/storage.js';

/**
 * Where a change comes from. `here`: this client made it, so it is stored and told to the other
 * tabs. `elsewhere`: another tab made it (a message, or a newer session found in storage), which
 * already stored it.
 */
export type ChangeOrigin = 'here' | 'elsewhere';

/** Every way the session can change. */
export type SessionChange =
  | { readonly type: 'restored'; readonly state: SessionState | null }
  | { readonly type: 'signed-in'; readonly state: SessionState; readonly origin: ChangeOrigin }
  | { readonly type: 'refreshed'; readonly state: SessionState; readonly origin: ChangeOrigin }
  | { readonly type: 'signed-out'; readonly reason: SignOutReason; readonly origin: ChangeOrigin }
  | { readonly type: 'user-updated'; readonly user: User; readonly origin: ChangeOrigin }
  | { readonly type: 'refresh-failed'; readonly error: RefreshUnavailableError };

/** The session of a client. Read it anywhere; change it only through {@link apply}. */
export interface SessionKeeper {
  readonly state: SessionState | null;
  /** Failed refreshes in a row (0 while refreshes succeed). */
  readonly failedAttempts: number;
  /** Whether the stored session has been read yet. */
  readonly restored: boolean;
  apply(change: SessionChange): Promise<void>;
  /** Resolves at the next change of state or of the failure count. */
  nextChange(): Promise<void>;
}

export interface SessionKeeperDeps {
  readonly storage: TokenStorage;
  readonly storageKey: string;
  /** Tells the other tabs about a change made here. */
  readonly publish: (
    message: { type: 'session'; state: SessionState } | { type: 'signed-out'; reason: SignOutReason },
  ) => void;
  readonly emit: (event: AuthEvent) => void;
  /**
   * Called after every change of state or of the failure count (the scheduler re-plans), with the
   * wait the server asked for after the last failed refresh.
   */
  readonly changed: (
    state: SessionState | null,
    failedAttempts: number,
    retryAfterMs: number | undefined,
  ) => void;
}

/**
 * The one place where the session changes. Each change updates memory first (so readers never see
 * a gap), then the timers, then storage and the other tabs (for changes made here), then the
 * events: exactly one event per real change, none for news that is stale or a sign-out of a
 * session that already ended.
 */
export function createSessionKeeper(deps: SessionKeeperDeps): SessionKeeper {
  let state: SessionState | null = null;
  let failedAttempts = 0;
  let retryAfterMs: number | undefined;
  let restored = false;
  let waiters: (() => void)[] = [];

  const set = (next: SessionState | null, failures: number) => {
    state = next;
    failedAttempts = failures;
    if (failures === 0) retryAfterMs = undefined;
    deps.changed(state, failedAttempts, retryAfterMs);
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  async function adopt(change: Extract<SessionChange, { type: 'signed-in' | 'refreshed' }>): Promise<void> {
    const previous = state;
    // Another tab's news can arrive late or twice: only a newer session replaces ours. The same
    // tokens with another user are that tab's profile change (`user-updated`).
    if (change.origin === 'elsewhere' && previous !== null && !isNewer(change.state, previous)) {
      const user = change.state.session.user;
      if (change.state.session.refreshToken === previous.session.refreshToken && user !== null) {
        await updateUser(user, 'elsewhere');
      }
      return;
    }
    const recovered = failedAttempts > 0;
    set(change.state, 0);
    if (change.origin === 'here') {
      await deps.storage.set(deps.storageKey, encodeState(change.state));
      deps.publish({ type: 'session', state: change.state });
    }
    // A session arriving from another tab while signed out here is a sign-in here.
    const type = previous === null ? 'signed-in' : change.type;
    deps.emit({ type, session: change.state.session });
    if (recovered) deps.emit({ type: 'refresh-recovered', session: change.state.session });
  }

  async function updateUser(user: User, origin: ChangeOrigin): Promise<void> {
    // One event per real change: the same user again (a reload that found nothing new) is none.
    if (state === null || sameUser(user, state.session.user)) return;
    const next: SessionState = { ...state, session: { ...state.session, user } };
    set(next, failedAttempts);
    if (origin === 'here') {
      await deps.storage.set(deps.storageKey, encodeState(next));
      // The other tabs see the same tokens with a new user and take the user (see `adopt`).
      deps.publish({ type: 'session', state: next });
    }
    deps.emit({ type: 'user-updated', session: next.session });
  }

  async function end(reason: SignOutReason, origin: ChangeOrigin): Promise<void> {
    if (state === null) return;
    set(null, 0);
    if (origin === 'elsewhere') return deps.emit({ type: 'signed-out', reason });
    try {
      await deps.storage.remove(deps.storageKey);
    } finally {
      deps.publish({ type: 'signed-out', reason });
      deps.emit({ type: 'signed-out', reason });
    }
  }

  return {
    get state() {
      return state;
    },
    get failedAttempts() {
      return failedAttempts;
    },
    get restored() {
      return restored;
    },
    nextChange: () => new Promise<void>((resolve) => waiters.push(resolve)),
    async apply(change) {
      switch (change.type) {
        case 'restored':
          restored = true;
          // A tab's news may have arrived while storage was being read; it is newer.
          if (state === null) set(change.state, 0);
          deps.emit({ type: 'initial-session', session: state?.session ?? null });
          return;
        case 'signed-in':
        case 'refreshed':
          return adopt(change);
        case 'signed-out':
          return end(change.reason, change.origin);
        case 'user-updated':
          return updateUser(change.user, change.origin);
        case 'refresh-failed':
          if (state === null) return;
          // This failure's own wait, or none: an earlier answer's Retry-After is no longer news.
          retryAfterMs = change.error.retryAfterMs;
          set(state, failedAttempts + 1);
          if (failedAttempts === 1) deps.emit({ type: 'refresh-unavailable', error: change.error });
          return;
      }
    },
  };
}

function sameUser(a: User, b: User | null): boolean {
  return (
    b !== null &&
    a.id === b.id &&
    a.email === b.email &&
    a.name === b.name &&
    a.createdAt === b.createdAt &&
    a.emailVerified === b.emailVerified
  );
}
