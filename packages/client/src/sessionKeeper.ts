import type { TabMessage } from './crossTab.js';
import { createEndedLineages } from './endedLineages.js';
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
 * session that already ended. A sign-out is final for its lineage in every tab (see
 * endedLineages.ts).
 */
export function createSessionKeeper(deps: SessionKeeperDeps): SessionKeeper {
  let state: SessionState | null = null;
  let failedAttempts = 0;
  let serverWait: ServerWait | undefined;
  let restored = false;
  let waiters: (() => void)[] = [];
  const ended = createEndedLineages(deps);
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
    if (ended.has(change.state.lineage)) {
      ended.revokeIfSignedOut(change.state);
      return ended.settle(state);
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
    if (replaced) ended.end(previous.lineage, 'replaced');
    const recovered = failedAttempts > 0 && !replaced;
    set(change.state, 0);
    let storageFailed: AuthError | undefined;
    if (change.origin === 'here') {
      storageFailed = await save(change.state);
      // Signed out in another tab while storage was written: what was written must go again.
      if (ended.has(change.state.lineage)) return ended.settle(state);
      deps.publish({ type: 'session', state: change.state });
    }
    // A session arriving from another tab while signed out here, or of another sign-in, is a
    // sign-in here.
    const type = previous === null || replaced ? 'signed-in' : change.type;
    const { session } = change.state;
    deps.emit({ type, session });
    if (recovered) deps.emit({ type: 'refresh-recovered', session });
    if (storageFailed) deps.emit({ type: 'storage-failed', session, error: storageFailed });
  }

  async function updateUser(user: User, origin: ChangeOrigin): Promise<void> {
    // One event per real change: the same user again (a reload that found nothing new) is none.
    if (state === null || sameUser(user, state.session.user)) return;
    const next: SessionState = { ...state, session: { ...state.session, user } };
    set(next, failedAttempts);
    const storageFailed = origin === 'here' ? await save(next) : undefined;
    // The other tabs see the same tokens with a new user and take the user (see `adopt`).
    if (origin === 'here') deps.publish({ type: 'session', state: next });
    deps.emit({ type: 'user-updated', session: next.session });
    if (storageFailed) deps.emit({ type: 'storage-failed', session: next.session, error: storageFailed });
  }

  async function end(change: Extract<SessionChange, { type: 'signed-out' }>): Promise<void> {
    if (change.origin === 'elsewhere') return endElsewhere(change);
    const ending = state;
    if (ending === null) return;
    const { lineage } = ending;
    const { refreshToken } = ending.session;
    // Every sign-out here ends this token on the server: logout revokes it, a refused refresh
    // found it dead, "everywhere" and a deleted account ended them all.
    ended.end(lineage, 'signed-out');
    ended.spent(refreshToken);
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
    ended.end(lineage, 'signed-out');
    if (change.refreshToken !== undefined) ended.spent(change.refreshToken);
    const mine = state;
    if (mine?.lineage === lineage) {
      set(null, 0);
      // A newer token than the one the other tab ended: this tab's refresh was answered after
      // that sign-out. Without the ended token named, this tab cannot tell, and revokes nothing.
      if (change.refreshToken !== undefined) ended.revokeIfSignedOut(mine);
      deps.emit({ type: 'signed-out', reason: change.reason });
    }
    await ended.settle(state);
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
    hasEnded: ended.has,
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
            ended.revokeIfSignedOut(change.state);
            await ended.settle(state);
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
