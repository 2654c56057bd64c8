import type { MailKind, MailRecord } from './mailQueue.js';
import type { OneTimeTokenPurpose, OneTimeTokenRecord } from './oneTimeTokens.js';
import type {
  AuditEvent,
  AuditKind,
  NewUser,
  RefreshTokenRecord,
  ResourceClientRecord,
  RevokeReason,
  SessionRecord,
  SigningKeyRecord,
  TodoRecord,
  UserRecord,
} from './store.js';

/**
 * Row shapes as the SQL stores read them, and their mapping to records: one mapping for both
 * engines. Booleans arrive as 0/1 from SQLite and as booleans from PostgreSQL; BIGINT times
 * arrive as numbers from both (the PostgreSQL pool parses int8 with `Number`, safe for epoch
 * milliseconds).
 */
export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  password_hash: string;
  disabled: number | boolean;
  email_verified: number | boolean;
  created_at: number;
  password_changed_at: number;
}

export interface SessionRow {
  id: string;
  user_id: string;
  created_at: number;
  last_used_at: number;
  idle_expires_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoke_reason: string | null;
  user_agent: string | null;
  ip: string | null;
}

export interface TokenRow {
  token_hash: string;
  session_id: string;
  created_at: number;
  used_at: number | null;
  consumed_by: string | null;
  successor_box: string | null;
}

export interface TodoRow {
  id: string;
  user_id: string;
  title: string;
  done: number | boolean;
  created_at: number;
  updated_at: number;
}

export interface AuditRow {
  id: string;
  at: number;
  kind: string;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: string | null;
}

export interface SigningKeyRow {
  kid: string;
  alg: string;
  private_key: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface ResourceClientRow {
  id: string;
  name: string;
  secret_hash: string;
  created_at: number;
}

export const toResourceClient = (row: ResourceClientRow): ResourceClientRecord => ({
  id: row.id,
  name: row.name,
  secretHash: row.secret_hash,
  createdAt: row.created_at,
});

export interface OneTimeTokenRow {
  token_hash: string;
  purpose: string;
  user_id: string;
  email: string | null;
  email_key: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface MailRow {
  id: string;
  user_id: string;
  kind: string;
  recipient: string;
  params: string | null;
  created_at: number;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  sent_at: number | null;
  failed_at: number | null;
  last_error: string | null;
}

export const toOneTimeToken = (row: OneTimeTokenRow): OneTimeTokenRecord => ({
  tokenHash: row.token_hash,
  purpose: row.purpose as OneTimeTokenPurpose,
  userId: row.user_id,
  email: row.email,
  emailKey: row.email_key,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
});

export const toMail = (row: MailRow): MailRecord => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind as MailKind,
  recipient: row.recipient,
  params: row.params === null ? null : (JSON.parse(row.params) as Record<string, string>),
  createdAt: row.created_at,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  leaseUntil: row.lease_until,
  sentAt: row.sent_at,
  failedAt: row.failed_at,
  lastError: row.last_error,
});

/** Why a token could not be consumed, from its row as it is now (or its absence). */
export const unconsumable = (row: OneTimeTokenRow | undefined, purpose: string, now: number) =>
  row && row.purpose === purpose && row.used_at === null && row.expires_at <= now
    ? ({ status: 'expired' } as const)
    : ({ status: 'invalid' } as const);

/** An SMTP refusal as stored: its first line, bounded (servers send long, multi-line texts). */
export const errorLine = (error: string): string => error.split(/\r?\n/)[0]?.slice(0, 500) ?? '';

export const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  name: row.name,
  passwordHash: row.password_hash,
  disabled: Boolean(row.disabled),
  emailVerified: Boolean(row.email_verified),
  createdAt: row.created_at,
  passwordChangedAt: row.password_changed_at,
});

export const toSession = (row: SessionRow): SessionRecord => ({
  id: row.id,
  userId: row.user_id,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  idleExpiresAt: row.idle_expires_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  revokeReason: row.revoke_reason as RevokeReason | null,
  userAgent: row.user_agent,
  ip: row.ip,
});

export const toToken = (row: TokenRow): RefreshTokenRecord => ({
  tokenHash: row.token_hash,
  sessionId: row.session_id,
  createdAt: row.created_at,
  usedAt: row.used_at,
  consumedBy: row.consumed_by,
  successorBox: row.successor_box,
});

export const toTodo = (row: TodoRow): TodoRecord => ({
  id: row.id,
  userId: row.user_id,
  title: row.title,
  done: Boolean(row.done),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const toAudit = (row: AuditRow): AuditEvent => ({
  id: row.id,
  at: row.at,
  kind: row.kind as AuditKind,
  userId: row.user_id,
  sessionId: row.session_id,
  ip: row.ip,
  userAgent: row.user_agent,
  detail: row.detail === null ? null : (JSON.parse(row.detail) as AuditEvent['detail']),
});

export const toSigningKey = (row: SigningKeyRow): SigningKeyRecord => ({
  kid: row.kid,
  alg: row.alg,
  privateKey: row.private_key,
  publicJwk: row.public_jwk,
  createdAt: row.created_at,
  retiredAt: row.retired_at,
});

/** The record of a user just inserted: not disabled, password set at creation. */
export const createdUser = (user: NewUser): UserRecord => ({
  id: user.id,
  email: user.email,
  name: user.name,
  passwordHash: user.passwordHash,
  disabled: false,
  emailVerified: false,
  createdAt: user.createdAt,
  passwordChangedAt: user.createdAt,
});
