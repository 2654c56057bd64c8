import { decodeState, type Session, type SessionState } from './session.js';
import type { TokenStorage } from './storage/storage.js';

/**
 * How many ended refresh tokens a tab remembers: a late refresh arrives within moments of the
 * sign-out it missed, and a tab ends few sessions.
 */
const REMEMBERED = 16;

/**
 * What a tab remembers of the sessions that ended in it, so that a sign-out stays final in every
 * tab.
 *
 * A tab whose refresh is answered just after another tab signed out stores and announces the new
 * session before it hears of the sign-out. That session names the refresh token it replaced
 * (`SessionState.replaces`), so a tab that saw that token's session end (signed out here, or told
 * by another tab) knows it for a successor of an ended session: it does not take it, removes it
 * from storage, and revokes its token on the server, since only the late tab knew it and a djoser
 * or OAuth 2 server keeps it live (Baton ends the whole session at logout). A sign-in replaces
 * nothing, so no memory refuses it (an older version's sign-in included), and a session that a
 * sign-in replaced is not remembered: nobody signed out of it.
 */
export interface EndedSessions {
  /** Records the refresh token of a session that ended in this tab. */
  remember(refreshToken: string): void;
  /** Whether the session of this refresh token ended in this tab. */
  has(refreshToken: string): boolean;
  /** Whether `state` is a refresh of a session that ended in this tab. */
  isSuccessor(state: SessionState): boolean;
  /**
   * Ends a session that nobody must keep: remembers its token, revokes it on the server (best
   * effort) and removes it from storage if storage still holds it. Once per token; never throws.
   */
  discard(session: Session): Promise<void>;
  /** Removes the session of this refresh token from storage, if storage holds it; never throws. */
  clearStorageOf(refreshToken: string): Promise<void>;
}

export function createEndedSessions(deps: {
  readonly storage: TokenStorage;
  readonly storageKey: string;
  /** Ends a session's refresh token on the server, best effort; nobody waits for it. */
  readonly revoke: (session: Session) => void;
}): EndedSessions {
  /** Oldest first; a Set keeps the order of insertion. */
  const tokens = new Set<string>();

  const remember = (refreshToken: string) => {
    tokens.delete(refreshToken);
    tokens.add(refreshToken);
    for (const oldest of tokens) {
      if (tokens.size <= REMEMBERED) break;
      tokens.delete(oldest);
    }
  };

  async function clearStorageOf(refreshToken: string): Promise<void> {
    try {
      const stored = decodeState(await deps.storage.get(deps.storageKey));
      if (stored?.session.refreshToken === refreshToken) await deps.storage.remove(deps.storageKey);
    } catch {
      // Best effort: a reload that presents a revoked token is refused by the server.
    }
  }

  return {
    remember,
    has: (refreshToken) => tokens.has(refreshToken),
    isSuccessor: (state) => state.replaces !== undefined && tokens.has(state.replaces),
    async discard(session) {
      if (tokens.has(session.refreshToken)) return;
      remember(session.refreshToken);
      deps.revoke(session);
      await clearStorageOf(session.refreshToken);
    },
    clearStorageOf,
  };
}
