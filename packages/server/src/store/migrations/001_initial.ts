import type { Migration } from './index.js';

/** Times are epoch milliseconds (INTEGER on SQLite, BIGINT on PostgreSQL). */
const tables = (bigint: string, bool: string, boolFalse: string) => `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  email_key TEXT NOT NULL UNIQUE,
  name TEXT,
  password_hash TEXT NOT NULL,
  disabled ${bool} NOT NULL DEFAULT ${boolFalse},
  created_at ${bigint} NOT NULL,
  password_changed_at ${bigint} NOT NULL
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at ${bigint} NOT NULL,
  last_used_at ${bigint} NOT NULL,
  idle_expires_at ${bigint} NOT NULL,
  expires_at ${bigint} NOT NULL,
  revoked_at ${bigint},
  revoke_reason TEXT,
  user_agent TEXT,
  ip TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);
CREATE TABLE refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at ${bigint} NOT NULL,
  used_at ${bigint}
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);
CREATE TABLE todos (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  done ${bool} NOT NULL DEFAULT ${boolFalse},
  created_at ${bigint} NOT NULL,
  updated_at ${bigint} NOT NULL
);
CREATE INDEX todos_by_user ON todos (user_id, created_at);
CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  at ${bigint} NOT NULL,
  kind TEXT NOT NULL,
  user_id TEXT,
  session_id TEXT,
  ip TEXT,
  user_agent TEXT,
  detail TEXT
);
CREATE INDEX audit_by_at ON audit_events (at);
CREATE INDEX audit_by_user ON audit_events (user_id, at);
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_key TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at ${bigint} NOT NULL,
  retired_at ${bigint}
);
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export const initial: Migration = {
  version: 1,
  name: 'initial',
  sqlite: tables('INTEGER', 'INTEGER', '0'),
  postgres: tables('BIGINT', 'BOOLEAN', 'FALSE'),
};
