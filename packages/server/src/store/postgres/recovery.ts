import type pg from 'pg';
import type { MailQueueStore } from '../mailQueue.js';
import type { OneTimeTokenStore } from '../oneTimeTokens.js';
import {
  errorLine,
  type MailRow,
  type OneTimeTokenRow,
  toMail,
  toOneTimeToken,
  unconsumable,
} from '../rows.js';
import { query } from './database.js';

const STATUS =
  "CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'pending' END";

/** One-time tokens and the mail queue on PostgreSQL, on the store's pool. */
export function postgresRecovery(pool: pg.Pool): OneTimeTokenStore & MailQueueStore {
  const rows = async <R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> =>
    (await query<R>(pool, text, values)).rows;
  const count = async (text: string, values: unknown[]): Promise<number> =>
    (await query(pool, text, values)).rowCount ?? 0;
  const tokenByHash = async (tokenHash: string) =>
    (await rows<OneTimeTokenRow>('SELECT * FROM one_time_tokens WHERE token_hash = $1', [tokenHash]))[0];

  return {
    async createOneTimeToken(token) {
      await query(
        pool,
        `INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, email_key, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          token.tokenHash,
          token.purpose,
          token.userId,
          token.email,
          token.emailKey,
          token.createdAt,
          token.expiresAt,
        ],
      );
    },
    async findOneTimeToken(tokenHash) {
      const row = await tokenByHash(tokenHash);
      return row && toOneTimeToken(row);
    },
    async consumeOneTimeToken(tokenHash, purpose, now) {
      // The one statement that decides who consumes a token: a concurrent update waits for the
      // row lock, re-checks `used_at IS NULL` on the committed row and matches nothing.
      const [consumed] = await rows<OneTimeTokenRow>(
        `UPDATE one_time_tokens SET used_at = $3
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING *`,
        [tokenHash, purpose, now],
      );
      if (consumed) return { status: 'consumed', token: toOneTimeToken(consumed) };
      return unconsumable(await tokenByHash(tokenHash), purpose, now);
    },
    async voidOneTimeTokens(userId, purpose, now) {
      return count(
        'UPDATE one_time_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL',
        [userId, purpose, now],
      );
    },
    async dropExpiredOneTimeTokens(expiredBefore) {
      return count('DELETE FROM one_time_tokens WHERE expires_at < $1', [expiredBefore]);
    },

    async enqueueMail(mail) {
      await query(
        pool,
        `INSERT INTO mail_outbox (id, user_id, kind, recipient, params, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)`,
        [mail.id, mail.userId, mail.kind, mail.recipient, JSON.stringify(mail.params), mail.createdAt],
      );
    },
    async claimDueMail({ now, leaseUntil, owner, limit }) {
      // SKIP LOCKED: rows another instance is claiming right now are passed over, not waited for;
      // once it commits, their lease excludes them from everyone else's claims.
      const claimed = await rows<MailRow>(
        `UPDATE mail_outbox m SET lease_until = $2, lease_owner = $3, attempts = m.attempts + 1
         FROM (SELECT id FROM mail_outbox
               WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
                 AND (lease_until IS NULL OR lease_until <= $1)
               ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) due
         WHERE m.id = due.id RETURNING m.*`,
        [now, leaseUntil, owner, limit],
      );
      return claimed.map(toMail);
    },
    async markMailSent(id, owner, now) {
      const changed = await count(
        `UPDATE mail_outbox SET sent_at = $3, params = NULL, lease_until = NULL, lease_owner = NULL, last_error = NULL
         WHERE id = $1 AND lease_owner = $2 AND sent_at IS NULL`,
        [id, owner, now],
      );
      return changed > 0;
    },
    async markMailUnsent(id, owner, setback) {
      const retryAt = 'retryAt' in setback ? setback.retryAt : null;
      const failedAt = 'failedAt' in setback ? setback.failedAt : null;
      const changed = await count(
        `UPDATE mail_outbox SET lease_until = NULL, lease_owner = NULL, last_error = $3,
           next_attempt_at = coalesce($4::bigint, next_attempt_at), failed_at = $5::bigint
         WHERE id = $1 AND lease_owner = $2 AND sent_at IS NULL`,
        [id, owner, errorLine(setback.error), retryAt, failedAt],
      );
      return changed > 0;
    },
    async listMail(query = {}) {
      const found = await rows<MailRow>(
        `SELECT * FROM mail_outbox WHERE ($1::text IS NULL OR ${STATUS} = $1)
         ORDER BY created_at DESC, id DESC LIMIT $2`,
        [query.status ?? null, query.limit ?? 100],
      );
      return found.map(toMail);
    },
    async retryMail(now, id) {
      return count(
        `UPDATE mail_outbox SET next_attempt_at = $1, failed_at = NULL,
           attempts = CASE WHEN failed_at IS NULL THEN attempts ELSE 0 END
         WHERE sent_at IS NULL AND ($2::text IS NULL OR id = $2)`,
        [now, id ?? null],
      );
    },
  };
}
