/** A signed-in user as the backend describes it. Fields a backend does not know are `null`. */
export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  readonly createdAt: string | null;
  /**
   * Whether the user has followed a verification link to their address; `null` when the backend
   * cannot tell (djoser has no such field: its `is_active` means something else).
   */
  readonly emailVerified: boolean | null;
}

/**
 * The tokens of one signed-in session. Times are epoch milliseconds on the server's clock (the
 * client corrects its own clock by the estimated skew before comparing).
 */
export interface Session {
  readonly user: User | null;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly accessExpiresAt: number;
  readonly refreshExpiresAt: number | null;
}

/** What a backend returns from login, register and refresh. */
export interface TokenGrant {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Access token lifetime in seconds, when the server says so (else the JWT's `exp` is used). */
  readonly expiresIn?: number;
  /** Refresh token lifetime in seconds, when the server says so. */
  readonly refreshExpiresIn?: number | null;
  readonly user?: User | null;
  /** The server's `Date` header in epoch ms, used to estimate clock skew without a JWT `iat`. */
  readonly serverDate?: number;
  /** A device token for the next sign-in to this account (Baton's sign-in answers). */
  readonly deviceToken?: string;
}

/**
 * The client's view of a session: the public {@link Session} plus when to refresh it and how far
 * this device's clock is from the server's. This is the value stored, as one JSON string, so a
 * write replaces access and refresh token together.
 */
export interface SessionState {
  readonly session: Session;
  /** Server time (epoch ms) from which the access token counts as "about to expire". */
  readonly refreshAt: number;
  /** Server clock minus this device's clock, in ms. */
  readonly skewMs: number;
  /**
   * The refresh token this session replaced, when a refresh produced it (a sign-in replaces
   * nothing). A tab that saw that token's session end knows this one for another tab's refresh
   * answered after the sign-out (see endedSessions.ts). Sessions stored or announced by an older
   * version have none, and are taken as sign-ins.
   */
  readonly replaces?: string;
}

const FALLBACK_LIFETIME_S = 300;

/**
 * Turns a grant into session state. Skew comes from the access token's `iat` (a token is issued
 * "now" on the server's clock) or else the `Date` header, so a device whose clock is hours off
 * still refreshes at the right moment. The refresh lead is capped at half the token's lifetime so
 * that very short lifetimes do not refresh on every request.
 */
export function stateFromGrant(
  grant: TokenGrant,
  localNow: number,
  leadMs: number,
  previousUser: User | null,
  replaces?: string,
): SessionState {
  const claims = decodeJwtClaims(grant.accessToken);
  const issuedAt = typeof claims?.iat === 'number' ? claims.iat * 1000 : (grant.serverDate ?? localNow);
  const skewMs = issuedAt - localNow;
  const accessExpiresAt =
    typeof claims?.exp === 'number'
      ? claims.exp * 1000
      : issuedAt + (grant.expiresIn ?? FALLBACK_LIFETIME_S) * 1000;
  const refreshExpiresAt = grant.refreshExpiresIn == null ? null : issuedAt + grant.refreshExpiresIn * 1000;
  const lifetime = Math.max(0, accessExpiresAt - issuedAt);
  return {
    session: {
      user: grant.user === undefined ? previousUser : grant.user,
      accessToken: grant.accessToken,
      refreshToken: grant.refreshToken,
      accessExpiresAt,
      refreshExpiresAt,
    },
    refreshAt: accessExpiresAt - Math.min(leadMs, lifetime / 2),
    skewMs,
    ...(replaces === undefined ? {} : { replaces }),
  };
}

/** Reads the claims of a JWT without verifying it (the server verifies; we only need times). */
export function decodeJwtClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Serialises state for storage. */
export function encodeState(state: SessionState): string {
  return JSON.stringify({ v: 1, ...state });
}

/** Parses stored state; anything unreadable or of another shape counts as "no session". */
export function decodeState(text: string | null): SessionState | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<SessionState> & { v?: unknown };
    const session = value.session;
    if (
      value.v !== 1 ||
      typeof value.refreshAt !== 'number' ||
      typeof value.skewMs !== 'number' ||
      typeof session?.accessToken !== 'string' ||
      typeof session.refreshToken !== 'string' ||
      typeof session.accessExpiresAt !== 'number'
    ) {
      return null;
    }
    // A session stored by an older version has a user without `emailVerified`: unknown, not false.
    const user =
      session.user == null ? null : { ...session.user, emailVerified: session.user.emailVerified ?? null };
    const { refreshAt, skewMs, replaces } = value;
    return {
      session: { ...session, user },
      refreshAt,
      skewMs,
      ...(typeof replaces === 'string' && replaces !== '' ? { replaces } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * Whether `candidate` (from another tab or from storage) replaces `than`: another refresh token,
 * and an access token that lives at least as long (a late message of an older rotation does not).
 */
export function isNewer(candidate: SessionState, than: SessionState): boolean {
  return (
    candidate.session.refreshToken !== than.session.refreshToken &&
    candidate.session.accessExpiresAt >= than.session.accessExpiresAt
  );
}
