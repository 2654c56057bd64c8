import type { TabMessage } from './crossTab.js';
import { createEndedSessions } from './endedSessions.js';
import type { AuthError, RefreshUnavailableError } from './errors.js';
import type { AuthEvent, SignOutReason } from './events.js';
import { type ServerWait, serverWaitAfter } from './serverWait.js';
import { isNewer, type Session, type SessionState, type User } from './session.js';
import { createSessionWriter } from './sessionWriter.js';
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
  /** A refresh of this tab answered after its session ended here (see `generation`). */
  | { readonly type: 'refresh-outlived'; readonly state: SessionState }
  | { readonly type: 'signed-out'; readonly reason: SignOutReason; readonly origin: 'here' }
  | {
      readonly type: 'signed-out';
      readonly reason: SignOutReason;
      readonly origin: 'elsewhere';
      /** The refresh token of the session the other tab ended; none from an older version. */
      readonly refreshToken?: string;
      /** Read from a removal in storage, which may have been a refused write, not a sign-out. */
      readonly inferred?: true;
    }
  | { readonly type: 'user-updated'; readonly user: User; readonly origin: ChangeOrigin }
  | {
      readonly type: 'refresh-failed';
      readonly error: RefreshUnavailableError;
      /** When it failed: this device's epoch ms. */
      readonly at: number;
    };

/** The session of a client. Read it anywhere; change it only through {@link apply}. */
export interface SessionKeeper {
  readonly state: SessionState | null;
  /** Failed refreshes in a row (0 while refreshes succeed). */
  readonly failedAttempts: number;
  /** Whether the stored session has been read yet. */
  readonly restored: boolean;
  /** The wait the last failed refresh asked for, while no refresh has worked since. */
  readonly serverWait: ServerWait | undefined;
  /**
   * Moves on whenever this tab's session begins or ends (a sign-in, here or in another tab; a
   * sign-out), never at a refresh: a refresh answered in a later generation than it was sent in is
   * of a session this tab no longer holds.
   */
  readonly generation: number;
  apply(change: SessionChange): Promise<void>;
  /** Resolves at the next change of state or of the failure count. */
  nextChange(): Promise<void>;
}

export interface SessionKeeperDeps {
  readonly storage: TokenStorage;
  readonly storageKey: string;
  /** Tells the other tabs about a change made here. */
  readonly publish: (message: TabMessage) => void;
  readonly emit: (event: AuthEvent) => void;
  /** Ends a session's refresh token on the server, best effort; nobody waits for it. */
  readonly revoke: (session: Session) => void;
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
 * session that already ended. A sign-out is final in every tab: the tabs remember the sessions
 * that ended and refuse, remove and revoke their successors (see endedSessions.ts).
 */
export function createSessionKeeper(deps: SessionKeeperDeps): SessionKeeper {
  let state: SessionState | null = null;
  let failedAttempts = 0;
  let serverWait: ServerWait | undefined;
  let restored = false;
  let waiters: (() => void)[] = [];
  let generation = 0;
  /** The token named by the last sign-out seen only as a removal in storage (see `refresh-outlived`). */
  let inferredEnd: string | undefined;
  const ended = createEndedSessions(deps);
  const { save } = createSessionWriter(deps);

  const set = (next: SessionState | null, failures: number) => {
    state = next;
    failedAttempts = failures;
    if (failures === 0) serverWait = undefined;
    deps.changed(state, failedAttempts, serverWait?.error.retryAfterMs);
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  async function adopt(change: Extract<SessionChange, { type: 'signed-in' | 'refreshed' }>): Promise<void> {
    const previous = state;
    const next = change.state;
    const { refreshToken } = next.session;
    if (change.origin === 'elsewhere') {
      // Another tab's refresh answered after a sign-out it had not heard of yet.
      if (ended.isSuccessor(next)) return ended.discard(next.session);
      if (ended.has(refreshToken)) return;
      // Another tab's news can arrive late or twice: only a newer session replaces ours. The same
      // tokens with another user are that tab's profile change (`user-updated`).
      if (previous !== null && !isNewer(next, previous)) {
        const user = next.session.user;
        if (refreshToken === previous.session.refreshToken && user !== null) {
          await updateUser(user, 'elsewhere');
        }
        return;
      }
    }
    // Without `replaces`: a sign-in, here or in another tab (or an older version's news).
    const signIn = next.replaces === undefined;
    if (signIn) generation += 1;
    const recovered = failedAttempts > 0 && !signIn;
    set(next, 0);
    let storageFailed: AuthError | undefined;
    if (change.origin === 'here') {
      storageFailed = await save(next);
      // Signed out in another tab while storage was written: what was written must go again.
      if (ended.has(refreshToken)) return ended.clearStorageOf(refreshToken);
      deps.publish({ type: 'session', state: next });
    }
    const { session } = next;
    deps.emit({ type: previous === null || signIn ? 'signed-in' : 'refreshed', session });
    if (recovered) deps.emit({ type: 'refresh-recovered', session });
    if (storageFailed) deps.emit({ type: 'storage-failed', session, error: storageFailed });
  }

  async function updateUser(user: User, origin: ChangeOrigin): Promise<void> {
    // One event per real change: the same user again (a reload that found nothing new) is none.
    if (state === null || sameUser(user, state.session.user)) return;
    // Not a refresh, so without `replaces`: without storage events, a tab may have read the
    // removal after a refused write as a sign-out of the replaced token (they cannot tell), and
    // would revoke this session as its successor.
    const { session, refreshAt, skewMs } = state;
    const next: SessionState = { session: { ...session, user }, refreshAt, skewMs };
    set(next, failedAttempts);
    const storageFailed = origin === 'here' ? await save(next) : undefined;
    // The other tabs see the same tokens with a new user and take the user (see `adopt`).
    if (origin === 'here') deps.publish({ type: 'session', state: next });
    deps.emit({ type: 'user-updated', session: next.session });
    if (storageFailed) deps.emit({ type: 'storage-failed', session: next.session, error: storageFailed });
  }

  async function restore(stored: SessionState | null): Promise<void> {
    restored = true;
    const successor = stored !== null && ended.isSuccessor(stored);
    // A tab's news may have arrived while storage was being read; it is newer (and a sign-out
    // among it ended what storage may still hold).
    if (state === null && stored !== null && !successor && !ended.has(stored.session.refreshToken)) {
      set(stored, 0);
    }
    deps.emit({ type: 'initial-session', session: state?.session ?? null });
    if (stored !== null && successor) await ended.discard(stored.session);
  }

  async function end(change: Extract<SessionChange, { type: 'signed-out' }>): Promise<void> {
    if (change.origin === 'elsewhere') return endElsewhere(change);
    const ending = state;
    if (ending === null) return;
    const { refreshToken } = ending.session;
    // Every sign-out here ends this token on the server: logout revokes it, a refused refresh
    // found it dead, "everywhere" and a deleted account ended them all.
    ended.remember(refreshToken);
    generation += 1;
    set(null, 0);
    try {
      await deps.storage.remove(deps.storageKey);
    } finally {
      deps.publish({ type: 'signed-out', reason: change.reason, refreshToken });
      deps.emit({ type: 'signed-out', reason: change.reason });
    }
  }

  async function endElsewhere(
    change: Extract<SessionChange, { type: 'signed-out'; origin: 'elsewhere' }>,
  ): Promise<void> {
    const named = change.refreshToken;
    if (named !== undefined) ended.remember(named);
    inferredEnd = change.inferred ? named : undefined;
    const mine = state;
    if (mine === null) return;
    // Any sign-out ends the session here, as it did before sign-outs named their token (an older
    // version's still names none).
    generation += 1;
    set(null, 0);
    deps.emit({ type: 'signed-out', reason: change.reason });
    const { refreshToken } = mine.session;
    // A successor the other tab never saw: this tab's refresh was answered after that sign-out.
    if (named !== undefined && refreshToken !== named && mine.replaces === named) {
      return ended.discard(mine.session);
    }
    ended.remember(refreshToken);
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
    get serverWait() {
      return serverWait;
    },
    get generation() {
      return generation;
    },
    nextChange: () => new Promise<void>((resolve) => waiters.push(resolve)),
    async apply(change) {
      switch (change.type) {
        case 'restored':
          return restore(change.state);
        case 'signed-in':
        case 'refreshed':
          return adopt(change);
        case 'refresh-outlived':
          // Nobody else knows its token, and a djoser or OAuth 2 server would keep it live. The
          // token this tab holds now is never revoked (Baton's grace window hands a second
          // refresh of a token the same successor).
          if (change.state.session.refreshToken === state?.session.refreshToken) return;
          // Nor a successor of a token only a removal in storage named: that may have been another
          // tab whose write storage refused, and which holds this very token (the grace window).
          if (change.state.replaces !== undefined && change.state.replaces === inferredEnd) return;
          return ended.discard(change.state.session);
        case 'signed-out':
          return end(change);
        case 'user-updated':
          return updateUser(change.user, change.origin);
        case 'refresh-failed':
          if (state === null) return;
          serverWait = serverWaitAfter(change.error, change.at);
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
