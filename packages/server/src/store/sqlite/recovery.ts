import type Database from 'better-sqlite3';
import type { MailQueueStore, NewMail } from '../mailQueue.js';
import type { NewOneTimeToken, OneTimeTokenStore } from '../oneTimeTokens.js';
import {
  errorLine,
  type MailRow,
  type OneTimeTokenRow,
  toMail,
  toOneTimeToken,
  unconsumable,
} from '../rows.js';
import type { GroupCommit } from './groupCommit.js';
import type { Prepared } from './statements.js';

/** A message is due when it is unsent, not given up, its time has come and nobody holds a live lease on it. */
const DUE =
  'sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)';
const STATUS =
  "CASE WHEN sent_at IS NOT NULL THEN 'sent' WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'pending' END";

function prepare(db: Database.Database) {
  const q = <Params, Row = never>(sql: string): Prepared<Params, Row> => db.prepare<[Params], Row>(sql);
  return {
    insertToken: q<NewOneTimeToken>(
      `INSERT INTO one_time_tokens (token_hash, purpose, user_id, email, email_key, created_at, expires_at)
       VALUES (@tokenHash, @purpose, @userId, @email, @emailKey, @createdAt, @expiresAt)`,
    ),
    tokenByHash: q<string, OneTimeTokenRow>('SELECT * FROM one_time_tokens WHERE token_hash = ?'),
    // The one statement that decides who consumes a token: it changes a row only while used_at is NULL.
    consumeToken: q<{ tokenHash: string; purpose: string; now: number }, OneTimeTokenRow>(
      `UPDATE one_time_tokens SET used_at = @now
       WHERE token_hash = @tokenHash AND purpose = @purpose AND used_at IS NULL AND expires_at > @now
       RETURNING *`,
    ),
    dropExpiredTokens: q<number>('DELETE FROM one_time_tokens WHERE expires_at < ?'),
    voidTokens: q<{ userId: string; purpose: string; now: number }>(
      'UPDATE one_time_tokens SET used_at = @now WHERE user_id = @userId AND purpose = @purpose AND used_at IS NULL',
    ),

    insertMail: q<Omit<NewMail, 'params'> & { params: string }>(
      `INSERT INTO mail_outbox (id, user_id, kind, recipient, params, created_at, next_attempt_at)
       VALUES (@id, @userId, @kind, @recipient, @params, @createdAt, @createdAt)`,
    ),
    // One statement: SQLite runs it under the database's write lock, so no two claims interleave.
    claimMail: q<{ now: number; leaseUntil: number; owner: string; limit: number }, MailRow>(
      `UPDATE mail_outbox SET lease_until = @leaseUntil, lease_owner = @owner, attempts = attempts + 1
       WHERE id IN (SELECT id FROM mail_outbox WHERE ${DUE} ORDER BY next_attempt_at, id LIMIT @limit)
         AND ${DUE}
       RETURNING *`,
    ),
    markSent: q<{ id: string; owner: string; now: number }>(
      `UPDATE mail_outbox SET sent_at = @now, params = NULL, lease_until = NULL, lease_owner = NULL, last_error = NULL
       WHERE id = @id AND lease_owner = @owner AND sent_at IS NULL`,
    ),
    markUnsent: q<{
      id: string;
      owner: string;
      error: string;
      retryAt: number | null;
      failedAt: number | null;
    }>(
      `UPDATE mail_outbox SET lease_until = NULL, lease_owner = NULL, last_error = @error,
         next_attempt_at = coalesce(@retryAt, next_attempt_at), failed_at = @failedAt
       WHERE id = @id AND lease_owner = @owner AND sent_at IS NULL`,
    ),
    listMail: q<{ status: string | null; limit: number }, MailRow>(
      `SELECT * FROM mail_outbox WHERE (@status IS NULL OR ${STATUS} = @status)
       ORDER BY created_at DESC, id DESC LIMIT @limit`,
    ),
    retryMail: q<{ now: number; id: string | null }>(
      `UPDATE mail_outbox SET next_attempt_at = @now, failed_at = NULL,
         attempts = CASE WHEN failed_at IS NULL THEN attempts ELSE 0 END
       WHERE sent_at IS NULL AND (@id IS NULL OR id = @id)`,
    ),
  };
}

/**
 * One-time tokens and the mail queue on SQLite. Statements are prepared on first use, when the
 * migrations have made the tables, like the main store's; writes join the store's group commit.
 */
export function sqliteRecovery(
  db: Database.Database,
  groupCommit: Pick<GroupCommit, 'run'>,
): OneTimeTokenStore & MailQueueStore {
  let prepared: ReturnType<typeof prepare> | undefined;
  const sql = () => {
    prepared ??= prepare(db);
    return prepared;
  };
  const write = <T>(work: (s: ReturnType<typeof prepare>) => T): Promise<T> =>
    groupCommit.run(() => work(sql()));
  return {
    async createOneTimeToken(token) {
      await write((s) => s.insertToken.run(token));
    },
    async findOneTimeToken(tokenHash) {
      const row = sql().tokenByHash.get(tokenHash);
      return row && toOneTimeToken(row);
    },
    async consumeOneTimeToken(tokenHash, purpose, now) {
      return write((s) => {
        const consumed = s.consumeToken.get({ tokenHash, purpose, now });
        if (consumed) return { status: 'consumed', token: toOneTimeToken(consumed) } as const;
        return unconsumable(s.tokenByHash.get(tokenHash), purpose, now);
      });
    },
    async voidOneTimeTokens(userId, purpose, now) {
      return write((s) => s.voidTokens.run({ userId, purpose, now }).changes);
    },
    async dropExpiredOneTimeTokens(expiredBefore) {
      return write((s) => s.dropExpiredTokens.run(expiredBefore).changes);
    },

    async enqueueMail(mail) {
      const row = { ...mail, params: JSON.stringify(mail.params) };
      await write((s) => s.insertMail.run(row));
    },
    async claimDueMail(claim) {
      return write((s) => s.claimMail.all(claim).map(toMail));
    },
    async markMailSent(id, owner, now) {
      return write((s) => s.markSent.run({ id, owner, now }).changes > 0);
    },
    async markMailUnsent(id, owner, setback) {
      const retryAt = 'retryAt' in setback ? setback.retryAt : null;
      const failedAt = 'failedAt' in setback ? setback.failedAt : null;
      const row = { id, owner, error: errorLine(setback.error), retryAt, failedAt };
      return write((s) => s.markUnsent.run(row).changes > 0);
    },
    async listMail(query = {}) {
      return sql()
        .listMail.all({ status: query.status ?? null, limit: query.limit ?? 100 })
        .map(toMail);
    },
    async retryMail(now, id) {
      return write((s) => s.retryMail.run({ now, id: id ?? null }).changes);
    },
  };
}
