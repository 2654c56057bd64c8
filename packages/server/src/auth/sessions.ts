import { randomUUID } from 'node:crypto';
import { ProblemError } from '../errors.js';
import type { AuditEvent, SessionRecord, UserRecord } from '../store/store.js';
import {
  hashRefreshToken,
  looksLikeRefreshToken,
  mintRefreshToken,
  sealSuccessor,
} from '../tokens/refresh.js';
import {
  type AuthDeps,
  audit,
  type CoreDeps,
  type PublicUser,
  publicUser,
  type RequestMeta,
} from './context.js';
import { clientOf, liveDescendant } from './graceWindow.js';
import { type RefreshAttempt, settleBy } from './throttle.js';

/** The body of every successful login, registration and refresh. */
export interface TokenResponse {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  /** Seconds until the refresh token expires if unused (idle or absolute, whichever is sooner). */
  readonly refreshExpiresIn: number;
  readonly user: PublicUser;
}

/**
 * Creates a session (a new refresh-token family) for a user who just proved who they are, and
 * writes `event` (the sign-in) with it, atomically. `undefined`, with nothing written, when the
 * account changed since `user` was read: deleted, disabled, or its password reset or changed (the
 * proof was of a password that no longer opens it).
 */
export async function startSession(
  deps: AuthDeps,
  user: UserRecord,
  meta: RequestMeta,
  event?: AuditEvent,
): Promise<TokenResponse | undefined> {
  const now = deps.clock.now();
  const { refreshIdleTtl, sessionMaxAge } = deps.config;
  const expiresAt = now + sessionMaxAge * 1000;
  const session = {
    id: randomUUID(),
    userId: user.id,
    createdAt: now,
    idleExpiresAt: Math.min(now + refreshIdleTtl * 1000, expiresAt),
    expiresAt,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
    ip: meta.ip,
  };
  const refreshToken = mintRefreshToken();
  const created = await deps.store.createSession(session, hashRefreshToken(refreshToken), {
    event,
    passwordHash: user.passwordHash,
  });
  if (!created) return undefined;
  return issueTokens(
    deps,
    user,
    { ...session, lastUsedAt: now, revokedAt: null, revokeReason: null },
    refreshToken,
  );
}

/**
 * Exchanges a refresh token for a new pair (rotation).
 *
 * - The live token of a session is consumed atomically and a random successor becomes live.
 * - The same token presented again within the grace window *by the client that consumed it* (two
 *   tabs, parallel requests, a lost response) receives the same successor, unsealed from the
 *   consumed token's row: the session never forks into two live chains.
 * - Presented by another client, or after the grace window, it is reuse, the signature of a stolen
 *   token: the whole session is revoked, so the thief's and the victim's tokens both die, and an
 *   audit event is written.
 */
export async function refreshSession(
  deps: AuthDeps,
  presented: string,
  meta: RequestMeta,
): Promise<TokenResponse> {
  const attempt = await deps.throttle.refresh(meta.ip);
  return settleBy(
    attempt,
    () => rotate(deps, presented, meta, attempt),
    (error) => error instanceof ProblemError && error.status === 401,
  );
}

async function rotate(
  deps: AuthDeps,
  presented: string,
  meta: RequestMeta,
  attempt: RefreshAttempt,
): Promise<TokenResponse> {
  const { store, clock, config } = deps;
  if (!looksLikeRefreshToken(presented)) throw rejected(deps, 'invalid_refresh_token', INVALID);
  const tokenHash = hashRefreshToken(presented);
  const context = await store.findRefreshContext(tokenHash);
  if (!context) throw rejected(deps, 'invalid_refresh_token', INVALID);
  const { token: record, session } = context;
  const user = await liveUserOf(deps, session, context.user, meta);
  const now = clock.now();
  assertUsable(deps, session, now);
  if (record.usedAt === null && now >= session.idleExpiresAt) {
    throw rejected(
      deps,
      'refresh_token_expired',
      'You were signed out after a long time without use. Sign in again.',
    );
  }
  await attempt.genuine(user.id);
  const client = clientOf(meta);
  const successor = mintRefreshToken();
  const result = await store.rotateRefreshToken({
    tokenHash,
    successorHash: hashRefreshToken(successor),
    successorBox: config.refreshGrace > 0 ? sealSuccessor(presented, successor, tokenHash) : null,
    consumedBy: client,
    now,
    idleExpiresAt: Math.min(now + config.refreshIdleTtl * 1000, session.expiresAt),
  });
  if (result.status === 'rotated') {
    // A sign-out can commit between the checks above and the rotation (on SQLite, rotations wait
    // for the turn's group commit): the successor is then of an ended session, and useless.
    assertUsable(deps, result.session, now);
    deps.observe?.({ kind: 'refresh', outcome: 'rotated' });
    return issueTokens(deps, user, result.session, successor);
  }
  // Gone since it was read: its session or its account was deleted meanwhile. Not reuse, and no
  // event: a deleted account's trail keeps no address or device.
  if (result.status === 'not_found') throw rejected(deps, 'invalid_refresh_token', INVALID);
  const inGrace = result.status === 'already_used' && now - result.usedAt <= config.refreshGrace * 1000;
  const sameClient = result.status === 'already_used' && result.token.consumedBy === client;
  if (result.status === 'already_used' && inGrace && sameClient) {
    const live = await liveDescendant(deps, presented, result.token, client, now);
    if (live) {
      // The session may have ended since the checks above (a sign-out racing this replay).
      const current = await store.findSession(session.id);
      if (!current) throw rejected(deps, 'session_revoked', ENDED);
      assertUsable(deps, current, now);
      deps.observe?.({ kind: 'refresh', outcome: 'grace' });
      return issueTokens(deps, user, current, live);
    }
  }
  if (inGrace && !sameClient) deps.observe?.({ kind: 'grace_foreign_client' });
  await store.revokeSession(session.id, 'reuse', now);
  deps.sessions.forget(session.id);
  await audit(
    deps,
    'refresh_reuse_detected',
    meta,
    { userId: session.userId, sessionId: session.id },
    { withinGrace: inGrace, sameClient },
  );
  deps.observe?.({ kind: 'refresh', outcome: 'reuse' });
  throw new ProblemError(
    'refresh_token_reused',
    'This sign-in was used from two places, so it has been ended to protect the account. Sign in again.',
  );
}

const INVALID = 'The refresh token is not valid. Sign in again.';
const ENDED = 'This session was ended (signed out, or revoked from another device). Sign in again.';

/** Throws when `session` is revoked or past its absolute lifetime. */
function assertUsable(deps: AuthDeps, session: SessionRecord, now: number): void {
  if (session.revokedAt !== null) throw rejected(deps, 'session_revoked', ENDED);
  if (now >= session.expiresAt) {
    throw rejected(deps, 'refresh_token_expired', 'This session has reached its maximum age. Sign in again.');
  }
}

/** The session's user, if it may still refresh; a disabled account ends the session. */
async function liveUserOf(
  deps: AuthDeps,
  session: SessionRecord,
  user: UserRecord | undefined,
  meta: RequestMeta,
): Promise<UserRecord> {
  if (user && !user.disabled) return user;
  if (session.revokedAt === null) {
    await deps.store.revokeSession(session.id, 'disabled', deps.clock.now());
    deps.sessions.forget(session.id);
    await audit(
      deps,
      'session_revoked',
      meta,
      { userId: session.userId, sessionId: session.id },
      { reason: 'disabled' },
    );
  }
  throw rejected(deps, 'session_revoked', 'This account is disabled. Contact the site operator.');
}

function rejected(
  deps: AuthDeps,
  code: 'invalid_refresh_token' | 'refresh_token_expired' | 'session_revoked',
  detail: string,
) {
  deps.observe?.({ kind: 'refresh', outcome: 'rejected' });
  return new ProblemError(code, detail);
}

async function issueTokens(
  deps: AuthDeps,
  user: UserRecord,
  session: SessionRecord,
  refreshToken: string,
): Promise<TokenResponse> {
  const accessToken = await deps.accessTokens.sign({ userId: user.id, sessionId: session.id });
  return {
    accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: deps.config.accessTtl,
    refreshExpiresIn: Math.max(0, Math.floor((session.idleExpiresAt - deps.clock.now()) / 1000)),
    user: publicUser(user),
  };
}

/** Ends the session a refresh token belongs to. Idempotent: unknown tokens are ignored. */
export async function logoutByRefreshToken(
  deps: AuthDeps,
  presented: string,
  meta: RequestMeta,
): Promise<void> {
  if (!looksLikeRefreshToken(presented)) return;
  // The context, not findRefreshToken: that one waits until what it read is on disk (it serves
  // the grace window), which ending a session does not need.
  const context = await deps.store.findRefreshContext(hashRefreshToken(presented));
  if (context) await endSession(deps, context.token.sessionId, 'logout', meta);
}

/**
 * Ends one session; the audit trail records why. Returns false when it was not live, or (with
 * `ownerId`, the subject of the token that asks) not that user's.
 */
export async function endSession(
  deps: AuthDeps,
  sessionId: string,
  reason: 'logout' | 'revoked',
  meta: RequestMeta,
  ownerId?: string,
): Promise<boolean> {
  const session = await deps.store.findSession(sessionId);
  if (!session || (ownerId !== undefined && session.userId !== ownerId)) return false;
  const ended = await deps.store.revokeSession(sessionId, reason, deps.clock.now());
  deps.sessions.forget(sessionId);
  if (ended) await audit(deps, 'session_revoked', meta, { userId: session.userId, sessionId }, { reason });
  return ended;
}

/** Ends every session of a user: "sign out everywhere", or an operator's `baton sessions revoke`. */
export async function endAllSessions(
  deps: CoreDeps,
  userId: string,
  meta: RequestMeta,
  reason: 'logout_all' | 'admin' = 'logout_all',
): Promise<number> {
  const count = await deps.store.revokeUserSessions(userId, reason, deps.clock.now());
  deps.sessions?.forget();
  await audit(deps, 'sessions_revoked_all', meta, { userId }, { count, reason });
  return count;
}

/** Ends every session of a user except `keepSessionId` ("sign out the other devices"). */
export async function endOtherSessions(
  deps: AuthDeps,
  userId: string,
  keepSessionId: string,
  meta: RequestMeta,
): Promise<number> {
  const count = await deps.store.revokeUserSessions(userId, 'logout_all', deps.clock.now(), keepSessionId);
  deps.sessions.forget();
  await audit(
    deps,
    'sessions_revoked_all',
    meta,
    { userId, sessionId: keepSessionId },
    { count, kept: keepSessionId },
  );
  return count;
}
