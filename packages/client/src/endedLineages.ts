import { decodeState, encodeState, type Session, type SessionState } from './session.js';
import type { TokenStorage } from './storage/storage.js';

/**
 * What a tab remembers of the sessions that ended, so that a sign-out stays final in every tab.
 *
 * A tab whose refresh is answered just after another tab signed out stores and announces the new
 * session before it hears of the sign-out. Sessions are told apart by lineage (the sign-in and
 * every refresh after it, see `SessionState.lineage`): no tab takes a session of a lineage it saw
 * end, and storage is cleared of it. The new refresh token of that late refresh is known to one
 * tab only, and a djoser or OAuth 2 server keeps it live (Baton ends the whole session at logout),
 * so the tabs that meet it (that tab, hearing which token the sign-out ended; the tab that signed
 * out, hearing of the refresh) revoke it on the server. A lineage that a new sign-in replaced is
 * never taken again either, but its tokens are not revoked: nobody signed out.
 */
export interface EndedLineages {
  has(lineage: string): boolean;
  /** Records the end of `lineage`: signed out of, or replaced by another sign-in. */
  end(lineage: string, how: 'signed-out' | 'replaced'): void;
  /** Records a refresh token that is ended on the server already (never revoked again). */
  spent(refreshToken: string): void;
  /** Revokes the token of `candidate` when its lineage was signed out of, once per token. */
  revokeIfSignedOut(candidate: SessionState): void;
  /**
   * Clears storage of a session of an ended lineage (a late refresh in another tab may have
   * stored it after the sign-out): storage then holds `current`, or nothing. Never throws.
   */
  settle(current: SessionState | null): Promise<void>;
}

export function createEndedLineages(deps: {
  readonly storage: TokenStorage;
  readonly storageKey: string;
  /** Ends a session's refresh token on the server, best effort; nobody waits for it. */
  readonly revoke: (session: Session) => void;
}): EndedLineages {
  /** `true` for a lineage signed out of, `false` for one a sign-in replaced. */
  const ended = new Map<string, boolean>();
  /** Refresh tokens ended on the server or being revoked there. */
  const dead = new Set<string>();

  const revokeIfSignedOut = (candidate: SessionState) => {
    const token = candidate.session.refreshToken;
    if (ended.get(candidate.lineage) !== true || dead.has(token)) return;
    dead.add(token);
    deps.revoke(candidate.session);
  };

  return {
    has: (lineage) => ended.has(lineage),
    end(lineage, how) {
      ended.set(lineage, how === 'signed-out' || ended.get(lineage) === true);
    },
    spent: (refreshToken) => void dead.add(refreshToken),
    revokeIfSignedOut,
    async settle(current) {
      try {
        const stored = decodeState(await deps.storage.get(deps.storageKey), current?.lineage);
        if (stored === null || !ended.has(stored.lineage)) return;
        revokeIfSignedOut(stored);
        if (current === null) await deps.storage.remove(deps.storageKey);
        else await deps.storage.set(deps.storageKey, encodeState(current));
      } catch {
        // Best effort: a session left behind after a sign-out has had its token revoked, so the
        // server refuses it when a reload presents it.
      }
    },
  };
}
