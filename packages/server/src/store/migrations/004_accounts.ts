import type { Migration } from './index.js';

/**
 * Accounts people can recover: whether an email is verified, the one-time tokens of reset,
 * verification and email change links (digests only), and the mail queue. Both new tables belong
 * to a user and go with them (ON DELETE CASCADE), so deleting an account deletes its links and
 * its queued mail in the same statement.
 */
const sql = (bigint: string, bool: string, boolFalse: string) => `
ALTER TABLE users ADD COLUMN email_verified ${bool} NOT NULL DEFAULT ${boolFalse};
CREATE TABLE one_time_tokens (
  token_hash TEXT PRIMARY KEY,
  purpose TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email TEXT,
  email_key TEXT,
  created_at ${bigint} NOT NULL,
  expires_at ${bigint} NOT NULL,
  used_at ${bigint}
);
CREATE INDEX one_time_tokens_by_user ON one_time_tokens (user_id, purpose);
CREATE TABLE mail_outbox (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  recipient TEXT NOT NULL,
  params TEXT,
  created_at ${bigint} NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at ${bigint} NOT NULL,
  lease_until ${bigint},
  lease_owner TEXT,
  sent_at ${bigint},
  failed_at ${bigint},
  last_error TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_outbox_by_user ON mail_outbox (user_id);
CREATE INDEX mail_outbox_by_created ON mail_outbox (created_at);
`;

export const accounts: Migration = {
  version: 4,
  name: 'accounts',
  sqlite: sql('INTEGER', 'INTEGER', '0'),
  postgres: sql('BIGINT', 'BOOLEAN', 'FALSE'),
};
