import type { TabMessage } from './crossTab.js';
import type { RefreshUnavailableError } from './errors.js';
import type { AuthEvent, SignOutReason } from './events.js';
import { decodeState, encodeState, isNewer, type Session, type SessionState, type User } from './session.js';
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
  | { readonly type: 'signed-out'; readonly reason: SignOutReason; readonly origin: 'here' }
  | {
      readonly type: 'signed-out';
      readonly reason: SignOutReason;
      readonly origin: 'elsewhere';
      /** The lineage the other tab ended; none from an older version (then: this tab's). */
      readonly lineage?: string;
      /** The refresh token it ended the lineage with, when it said. */
      readonly refreshToken?: string;
    }
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
  /** Whether this tab saw the lineage end (signed out, or replaced by another sign-in). */
  hasEnded(lineage: string): boolean;
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
 * session that already ended.
 *
 * A sign-out is final for its lineage (the sign-in and every refresh after it), in every tab: a
 * tab whose refresh was answered just after another tab signed out stores and announces the new
 * session before it hears of the sign-out. No tab takes a session of a lineage it saw end, and
 * storage is cleared of it. The new refresh token of that late refresh is known to one tab
 * only, and a djoser or OAuth 2 server keeps it live (Baton ends the whole session at logout), so
 * the tabs that meet it (that tab, hearing which token the sign-out ended; the tab that signed
 * out, hearing of the refresh) revoke it on the server.
 */
export function createSessionKeeper(deps: SessionKeeperDeps): SessionKeeper {
  let state: SessionState | null = null;
  let failedAttempts = 0;
  let retryAfterMs: number | undefined;
  let restored = false;
  let waiters: (() => void)[] = [];
  /** Lineages that ended in this tab: `true` for a sign-out, `false` when a sign-in replaced it. */
  const ended = new Map<string, boolean>();
  /** Refresh tokens ended on the server or being revoked there: none is revoked twice. */
  const dead = new Set<string>();

  const set = (next: SessionState | null, failures: number) => {
    state = next;
    failedAttempts = failures;
    if (failures === 0) retryAfterMs = undefined;
    deps.changed(state, failedAttempts, retryAfterMs);
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  const endLineage = (lineage: string, signedOut: boolean) => {
    ended.set(lineage, signedOut || ended.get(lineage) === true);
  };

  /** Revokes the token of a session whose lineage the user signed out of, once. */
  const revokeAfterSignOut = (candidate: SessionState) => {
    const token = candidate.session.refreshToken;
    if (ended.get(candidate.lineage) !== true || dead.has(token)) return;
    dead.add(token);
    deps.revoke(candidate.session);
  };

  /**
   * Clears storage of a session whose lineage ended (a late refresh in another tab may have
   * stored it after the sign-out): it then holds this tab's session, or nothing.
   */
  async function settleStorage(): Promise<void> {
    try {
      const stored = decodeState(await deps.storage.get(deps.storageKey), state?.lineage);
      if (stored === null || !ended.has(stored.lineage)) return;
      revokeAfterSignOut(stored);
      if (state === null) await deps.storage.remove(deps.storageKey);
      else await deps.storage.set(deps.storageKey, encodeState(state));
    } catch {
      // Best effort: a session left behind after a sign-out has had its token revoked, so the
      // server refuses it when a reload presents it.
    }
  }

  async function adopt(change: Extract<SessionChange, { type: 'signed-in' | 'refreshed' }>): Promise<void> {
    const previous = state;
    if (ended.has(change.state.lineage)) {
      revokeAfterSignOut(change.state);
      return settleStorage();
    }
    // Another tab's news can arrive late or twice: only a newer session replaces ours. The same
    // tokens with another user are that tab's profile change (`user-updated`).
    if (change.origin === 'elsewhere' && previous !== null && !isNewer(change.state, previous)) {
      const user = change.state.session.user;
      if (change.state.session.refreshToken === previous.session.refreshToken && user !== null) {
        await updateUser(user, 'elsewhere');
      }
      return;
    }
    // A new sign-in (here or in another tab) ends the lineage it replaces: a late message of it
    // must not switch this tab back to the previous account.
    const replaced = previous !== null && previous.lineage !== change.state.lineage;
    if (replaced) endLineage(previous.lineage, false);
    const recovered = failedAttempts > 0 && !replaced;
    set(change.state, 0);
    if (change.origin === 'here') {
      await deps.storage.set(deps.storageKey, encodeState(change.state));
      // Signed out in another tab while storage was written: what was written must go again.
      if (ended.has(change.state.lineage)) return settleStorage();
      deps.publish({ type: 'session', state: change.state });
    }
    // A session arriving from another tab while signed out here, or of another sign-in, is a
    // sign-in here.
    const type = previous === null || replaced ? 'signed-in' : change.type;
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

  async function end(change: Extract<SessionChange, { type: 'signed-out' }>): Promise<void> {
    if (change.origin === 'elsewhere') return endElsewhere(change);
    const ending = state;
    if (ending === null) return;
    const { lineage } = ending;
    const { refreshToken } = ending.session;
    // Every sign-out here ends this token on the server: logout revokes it, a refused refresh
    // found it dead, "everywhere" and a deleted account ended them all.
    endLineage(lineage, true);
    dead.add(refreshToken);
    set(null, 0);
    try {
      await deps.storage.remove(deps.storageKey);
    } finally {
      deps.publish({ type: 'signed-out', reason: change.reason, lineage, refreshToken });
      deps.emit({ type: 'signed-out', reason: change.reason });
    }
  }

  async function endElsewhere(
    change: Extract<SessionChange, { type: 'signed-out'; origin: 'elsewhere' }>,
  ): Promise<void> {
    // An older version's message names no lineage: it ends whatever session this tab holds.
    const lineage = change.lineage ?? state?.lineage;
    if (lineage === undefined) return;
    endLineage(lineage, true);
    if (change.refreshToken !== undefined) dead.add(change.refreshToken);
    const mine = state;
    if (mine?.lineage === lineage) {
      set(null, 0);
      // A newer token than the one the other tab ended: this tab's refresh was answered after
      // that sign-out. Without the ended token named, this tab cannot tell, and revokes nothing.
      if (change.refreshToken !== undefined) revokeAfterSignOut(mine);
      deps.emit({ type: 'signed-out', reason: change.reason });
    }
    await settleStorage();
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
    hasEnded: (lineage) => ended.has(lineage),
    nextChange: () => new Promise<void>((resolve) => waiters.push(resolve)),
    async apply(change) {
      switch (change.type) {
        case 'restored':
          restored = true;
          // A tab's news may have arrived while storage was being read; it is newer (and a
          // sign-out among it ended what storage may still hold).
          if (state === null && change.state !== null && !ended.has(change.state.lineage)) {
            set(change.state, 0);
          }
          deps.emit({ type: 'initial-session', session: state?.session ?? null });
          if (change.state !== null && ended.has(change.state.lineage)) {
            revokeAfterSignOut(change.state);
            await settleStorage();
          }
          return;
        case 'signed-in':
        case 'refreshed':
          return adopt(change);
        case 'signed-out':
          return end(change);
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
