/**
 * The storage contract of the Baton server.
 *
 * The Store speaks in domain verbs, not generic CRUD, so that each implementation can make the
 * operations that must be atomic (creating a session with its first token, consuming a refresh
 * token) atomic in the way its engine does best. One conformance suite (`conformance.ts`) runs
 * against every implementation.
 *
 * All times are epoch milliseconds supplied by the caller: stores never read a clock, so tests can
 * move time and every instance of a scaled-out deployment agrees on what "now" was for a write.
 */

import type { StoreFailedError } from './failed.js';
import type { MailQueueStore } from './mailQueue.js';
import type { OneTimeTokenStore } from './oneTimeTokens.js';

/** A user account as stored. `passwordHash` is a PHC string (argon2id). */
export interface UserRecord {
  readonly id: string;
  /** The email as the user gave it, normalised (trimmed, NFC, domain lower-cased). */
  readonly email: string;
  readonly name: string | null;
  readonly passwordHash: string;
  readonly disabled: boolean;
  /** The owner proved they read mail at `email` (a verification, reset or email change link). */
  readonly emailVerified: boolean;
  readonly createdAt: number;
  readonly passwordChangedAt: number;
}

export interface NewUser {
  readonly id: string;
  readonly email: string;
  /** The uniqueness key: the email fully lower-cased, so `Ann@x.io` and `ann@x.io` are one account. */
  readonly emailKey: string;
  readonly name: string | null;
  readonly passwordHash: string;
  readonly createdAt: number;
}

/** Why a session ended; recorded for the audit trail and for the answer to a refresh. */
export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'revoked'
  | 'reuse'
  | 'password_change'
  | 'password_reset'
  | 'disabled'
  | 'admin';

/** A session is one refresh-token family: created at login, extended by each rotation. */
export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  /** Idle expiry: the live refresh token of this session dies at this instant unless rotated. */
  readonly idleExpiresAt: number;
  /** Absolute expiry: no rotation extends the session past this instant. */
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly revokeReason: RevokeReason | null;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

export interface NewSession {
  readonly id: string;
  readonly userId: string;
  readonly createdAt: number;
  readonly idleExpiresAt: number;
  readonly expiresAt: number;
  readonly userAgent: string | null;
  readonly ip: string | null;
}

/** A refresh token as stored: only its SHA-256 digest, never the token itself. */
export interface RefreshTokenRecord {
  readonly tokenHash: string;
  readonly sessionId: string;
  readonly createdAt: number;
  /** When the token was consumed by a rotation; `null` while it is the live token of its session. */
  readonly usedAt: number | null;
  /** A digest of the client (address, user agent) that consumed it; `null` while unused. */
  readonly consumedBy: string | null;
  /**
   * The successor, sealed under a key derived from this token itself, kept only during the grace
   * window so that the same client presenting this token again receives the same successor;
   * `null` before consumption and after the grace window (see {@link Store.dropGraceSecrets}).
   */
  readonly successorBox: string | null;
}

/** What {@link Store.findRefreshContext} answers. */
export interface RefreshContext {
  readonly token: RefreshTokenRecord;
  readonly session: SessionRecord;
  readonly user: UserRecord | undefined;
}

/** The input of {@link Store.rotateRefreshToken}. */
export interface Rotation {
  /** Digest of the token being presented. */
  readonly tokenHash: string;
  /** Digest of its successor, inserted in the same transaction when the consumption succeeds. */
  readonly successorHash: string;
  /** The successor sealed for grace-window replays (`null` when there is no grace window). */
  readonly successorBox: string | null;
  /** A digest of the client that presents the token (see {@link RefreshTokenRecord.consumedBy}). */
  readonly consumedBy: string;
  readonly now: number;
  /** The session's new idle expiry (already capped at its absolute expiry by the caller). */
  readonly idleExpiresAt: number;
}

/**
 * The outcome of a rotation attempt. `rotated` means this caller consumed the token and its
 * successor is now the live token; `already_used` means another caller (or an earlier request)
 * consumed it first, at `usedAt`; `not_found` means no such token exists.
 */
export type RotationResult =
  | { readonly status: 'rotated'; readonly session: SessionRecord }
  | {
      readonly status: 'already_used';
      readonly usedAt: number;
      readonly session: SessionRecord;
      /** The consumed token as stored: who consumed it and its sealed successor. */
      readonly token: RefreshTokenRecord;
    }
  | { readonly status: 'not_found' };

export interface TodoRecord {
  readonly id: string;
  readonly userId: string;
  readonly title: string;
  readonly done: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewTodo {
  readonly id: string;
  readonly userId: string;
  readonly title: string;
  readonly createdAt: number;
}

export interface TodoPatch {
  readonly title?: string;
  readonly done?: boolean;
}

/** Kinds of security-relevant events written to the audit log. */
export const AUDIT_KINDS = [
  'user_registered',
  'login_succeeded',
  'login_failed',
  'refresh_reuse_detected',
  'session_revoked',
  'sessions_revoked_all',
  'password_changed',
  'password_reset_requested',
  'password_reset',
  'email_verified',
  'email_change_requested',
  'email_changed',
  'profile_updated',
  'account_deleted',
  'user_disabled',
  'user_enabled',
  'keys_rotated',
  'resource_client_created',
  'resource_client_deleted',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditEvent {
  readonly id: string;
  readonly at: number;
  readonly kind: AuditKind;
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** Small structured details (never a password or a token). */
  readonly detail: Readonly<Record<string, string | number | boolean | null>> | null;
}

export interface AuditQuery {
  readonly userId?: string;
  readonly kind?: AuditKind;
  /** Newest first; at most this many (default 100). */
  readonly limit?: number;
}

/** A signing key as stored (private JWK serialised, possibly encrypted by the caller). */
export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: string;
  /** The private key material as the key service chose to serialise it. */
  readonly privateKey: string;
  /** The public JWK as JSON text. */
  readonly publicJwk: string;
  readonly createdAt: number;
  /** When this key stopped signing; `null` for the active key. */
  readonly retiredAt: number | null;
}

/** A resource server allowed to introspect tokens (RFC 7662). */
export interface ResourceClientRecord {
  readonly id: string;
  /** What the operator called it (`baton clients create --name`). */
  readonly name: string;
  /** SHA-256 digest of the client secret, hex; the secret itself is shown once and never stored. */
  readonly secretHash: string;
  readonly createdAt: number;
}

/** Thrown by {@link Store.createUser} when the email key is already registered. */
export class EmailTakenError extends Error {
  readonly code = 'email_taken';
  constructor() {
    super('email already registered');
    this.name = 'EmailTakenError';
  }
}

/**
 * The whole storage contract: accounts, sessions and tokens here, one-time tokens
 * ({@link OneTimeTokenStore}) and the mail queue ({@link MailQueueStore}) in their own files.
 */
export interface Store extends OneTimeTokenStore, MailQueueStore {
  /** Applies pending migrations. Idempotent; safe to call from several processes at once. */
  migrate(): Promise<void>;
  /** Releases connections and file handles. */
  close(): Promise<void>;
  /**
   * The failure that keeps this store from writing until the process restarts, if one happened:
   * the SQLite store's after a failed flush of its file to disk. `GET /healthz` answers 503 with
   * it, so that a supervisor restarts the server. Optional: a store without such failures leaves
   * it out (PostgreSQL's outages pass, and a connection is replaced).
   */
  lastingFailure?(): StoreFailedError | undefined;

  /** Inserts a user. Throws {@link EmailTakenError} when `emailKey` exists. */
  createUser(user: NewUser): Promise<UserRecord>;
  /** Looks a user up by email key (the fully lower-cased email). */
  findUserByEmailKey(emailKey: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  listUsers(options?: { readonly limit?: number; readonly offset?: number }): Promise<UserRecord[]>;
  updatePasswordHash(userId: string, passwordHash: string, now: number): Promise<void>;
  setUserDisabled(userId: string, disabled: boolean): Promise<boolean>;
  setEmailVerified(userId: string, verified: boolean): Promise<boolean>;
  /** Sets the display name; `undefined` when there is no such user. */
  updateUserName(userId: string, name: string | null): Promise<UserRecord | undefined>;
  /**
   * Moves an account to a new address, verified (the change is confirmed from the new mailbox).
   * Throws {@link EmailTakenError} when another account has `emailKey`; false when no such user.
   */
  changeUserEmail(userId: string, email: string, emailKey: string): Promise<boolean>;
  /**
   * Deletes a user and everything of theirs, in one transaction: sessions, refresh tokens,
   * one-time tokens, todos and mail. Their audit events stay, with the address and user agent
   * erased. False when no such user.
   */
  deleteUser(userId: string): Promise<boolean>;

  /**
   * Creates a session together with its first refresh token, and `options.event` when given (the
   * sign-in that opened it), atomically: the event is written exactly when the session is. One
   * durable write per sign-in instead of two.
   *
   * Only while the user still exists, is not disabled and, with `options.passwordHash`, still has
   * that hash: otherwise it creates nothing and returns false. A sign-in checks the password
   * against the row it read before hashing, which takes a while; a reset, a change or a disabling
   * that commits meanwhile ends every session, and must not be outlived by one opened with the
   * password it replaced. Decided in the same transaction as the insert, so that no such change
   * can commit between the check and the session (PostgreSQL: the user's row is share-locked).
   */
  createSession(
    session: NewSession,
    firstTokenHash: string,
    options?: { readonly event?: AuditEvent | undefined; readonly passwordHash?: string },
  ): Promise<boolean>;
  findSession(id: string): Promise<SessionRecord | undefined>;
  /** The user's sessions that are neither revoked nor expired at `now`, newest first. */
  listActiveSessions(userId: string, now: number): Promise<SessionRecord[]>;
  /**
   * A refresh token by the digest of its value. Answers only with what is durable: the grace
   * window follows a chain with it and hands out the token at its end, so a store that makes
   * commits visible before they are on disk (SQLite's group commit flushes after committing) must
   * wait for that flush before answering.
   */
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * A refresh token with its session and that session's user (`undefined` once deleted): all a
   * refresh checks before it rotates, in one lookup (one round trip on a networked database).
   */
  findRefreshContext(tokenHash: string): Promise<RefreshContext | undefined>;
  /**
   * Consumes the presented refresh token and inserts its successor, atomically.
   *
   * Exactly one caller, across threads, processes and instances, receives `rotated` for a given
   * token: the consumption is a single conditional update (`... WHERE used_at IS NULL`) inside the
   * transaction that inserts the successor and extends the session. Every other caller receives
   * `already_used` with the instant of the winning consumption.
   */
  rotateRefreshToken(rotation: Rotation): Promise<RotationResult>;
  /** Revokes one session. Returns false if it did not exist or was already revoked. */
  revokeSession(sessionId: string, reason: RevokeReason, now: number): Promise<boolean>;
  /**
   * Revokes every live session of a user (neither revoked nor expired at `now`) except
   * `exceptSessionId`. Returns how many, so "signed out N sessions" counts only real ones.
   */
  revokeUserSessions(
    userId: string,
    reason: RevokeReason,
    now: number,
    exceptSessionId?: string,
  ): Promise<number>;
  /**
   * Forgets the sealed successors of tokens consumed before `usedBefore` (their grace window has
   * ended), so a copy of the database holds nothing that a spent token could open. Returns how many.
   */
  dropGraceSecrets(usedBefore: number): Promise<number>;
  /**
   * Deletes up to `limit` refresh tokens spent before `usedBefore` (the retention sweep calls it in
   * rounds, so no round holds the database for long). Returns how many. A token deleted here is
   * unknown if presented again: refused, but no longer reuse that ends its session.
   */
  deleteSpentTokens(usedBefore: number, limit: number): Promise<number>;
  /** Counts sessions that are neither revoked nor expired at `now` (all users). */
  countActiveSessions(now: number): Promise<number>;

  /**
   * The user's todos, oldest first. The answer is read-only and never changes afterwards; a store
   * may answer the same list object again while the list is unchanged, so a caller may keep what
   * it derives from it (its JSON) by the list's identity.
   */
  listTodos(userId: string): Promise<readonly TodoRecord[]>;
  createTodo(todo: NewTodo): Promise<TodoRecord>;
  /** Updates the caller's own todo; `undefined` when it does not exist or belongs to another user. */
  updateTodo(userId: string, id: string, patch: TodoPatch, now: number): Promise<TodoRecord | undefined>;
  /** Deletes the caller's own todo; false when it does not exist or belongs to another user. */
  deleteTodo(userId: string, id: string): Promise<boolean>;

  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(query?: AuditQuery): Promise<AuditEvent[]>;

  /** All signing keys, newest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Inserts `key` as the active key and retires the previous active key at `key.createdAt`. */
  addSigningKey(key: SigningKeyRecord): Promise<void>;

  /** Registers a resource server that may call token introspection. */
  createResourceClient(client: ResourceClientRecord): Promise<void>;
  findResourceClient(id: string): Promise<ResourceClientRecord | undefined>;
  /** Every resource client, oldest first. */
  listResourceClients(): Promise<ResourceClientRecord[]>;
  /** Removes a resource client; its credential stops working at once. False when there was none. */
  deleteResourceClient(id: string): Promise<boolean>;

  /**
   * Returns the server secret stored under `name`, inserting `candidate` if there is none yet.
   * Concurrent first starts agree on one value: the first insert wins and everyone reads it back.
   */
  getOrCreateSecret(name: string, candidate: string): Promise<string>;
}
