import type pg from 'pg';
import {
  type AuditRow,
  createdUser,
  type ResourceClientRow,
  type SessionRow,
  type SigningKeyRow,
  type TodoRow,
  type TokenRow,
  toAudit,
  toResourceClient,
  toSession,
  toSigningKey,
  toTodo,
  toToken,
  toUser,
  type UserRow,
} from '../rows.js';
import { type AuditEvent, EmailTakenError, type Store, type TodoRecord } from '../store.js';
import {
  DEFAULT_BATCH_TIMEOUT_MS,
  inTransaction,
  migrate,
  openPool,
  type PoolOptions,
  query,
} from './database.js';
import { type BatchFailure, hotPathStatements } from './hotPath.js';
import { postgresRecovery } from './recovery.js';

export type { BatchFailure } from './hotPath.js';

export interface PostgresStoreOptions extends PoolOptions {
  /**
   * Told when a statement grouping concurrent requests (refresh rotations, refresh-token lookups,
   * todo lists) fails as a whole, for example in a deadlock or when its connection is lost. Its
   * requests are then tried again one by one, so callers see no error: this is how operators
   * learn of it.
   * The server logs it as a warning.
   */
  readonly onBatchFailure?: (failure: BatchFailure) => void;
}

/** A session is live while it is neither revoked nor past its idle or absolute expiry (`$now`). */
const live = (now: string) => `revoked_at IS NULL AND expires_at > ${now} AND idle_expires_at > ${now}`;

const INSERT_AUDIT = `INSERT INTO audit_events (id, at, kind, user_id, session_id, ip, user_agent, detail)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;

/** {@link INSERT_AUDIT}'s parameters for `event`: the detail as JSON text. */
const auditParameters = (event: AuditEvent) => [
  event.id,
  event.at,
  event.kind,
  event.userId,
  event.sessionId,
  event.ip,
  event.userAgent,
  event.detail === null ? null : JSON.stringify(event.detail),
];

/** PostgreSQL reports a violated UNIQUE constraint as SQLSTATE 23505 with the constraint's name. */
const isEmailKeyTaken = (error: unknown): boolean =>
  error instanceof Error &&
  (error as { code?: unknown }).code === '23505' &&
  String((error as { constraint?: unknown }).constraint).includes('email_key');

/**
 * The {@link Store} for scaled-out deployments: PostgreSQL through a node-postgres pool, so any
 * number of server processes share one database.
 *
 * Every method is one statement, or one transaction on one pooled connection, at READ COMMITTED.
 * Rotation relies on PostgreSQL's row locking: a second `UPDATE ... WHERE used_at IS NULL` on the
 * same row waits for the first transaction, then re-checks the condition on the committed row and
 * matches nothing, so exactly one caller consumes a token, whichever instance it runs on.
 *
 * @example
 * const store = createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1/test' });
 * await store.migrate();
 */
export function createPostgresStore(options: PostgresStoreOptions): Store {
  const pool = openPool(options);
  const { contextOf, rotate, sessionById, todosOf } = hotPathStatements(
    pool,
    options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS,
    options.onBatchFailure,
  );
  const rows = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> =>
    (await query<R>(pool, text, values)).rows;
  const count = async (text: string, values: unknown[]): Promise<number> =>
    (await query(pool, text, values)).rowCount ?? 0;
  let closed: Promise<void> | undefined;

  return {
    ...postgresRecovery(pool),
    async migrate() {
      await migrate(pool);
    },
    async close() {
      closed ??= pool.end();
      await closed;
    },

    async createUser(user) {
      try {
        await query(
          pool,
          `INSERT INTO users (id, email, email_key, name, password_hash, disabled, created_at, password_changed_at)
           VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6)`,
          [user.id, user.email, user.emailKey, user.name, user.passwordHash, user.createdAt],
        );
      } catch (error) {
        if (isEmailKeyTaken(error)) throw new EmailTakenError();
        throw error;
      }
      return createdUser(user);
    },
    async findUserByEmailKey(emailKey) {
      const [row] = await rows<UserRow>('SELECT * FROM users WHERE email_key = $1', [emailKey]);
      return row && toUser(row);
    },
    async findUserById(id) {
      const [row] = await rows<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
      return row && toUser(row);
    },
    async listUsers(page = {}) {
      const found = await rows<UserRow>('SELECT * FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2', [
        page.limit ?? 100,
        page.offset ?? 0,
      ]);
      return found.map(toUser);
    },
    async updatePasswordHash(userId, passwordHash, now) {
      await query(pool, 'UPDATE users SET password_hash = $2, password_changed_at = $3 WHERE id = $1', [
        userId,
        passwordHash,
        now,
      ]);
    },
    async setUserDisabled(userId, disabled) {
      return (await count('UPDATE users SET disabled = $2 WHERE id = $1', [userId, disabled])) > 0;
    },
    async setEmailVerified(userId, verified) {
      return (await count('UPDATE users SET email_verified = $2 WHERE id = $1', [userId, verified])) > 0;
    },
    async updateUserName(userId, name) {
      const [row] = await rows<UserRow>('UPDATE users SET name = $2 WHERE id = $1 RETURNING *', [
        userId,
        name,
      ]);
      return row && toUser(row);
    },
    async changeUserEmail(userId, email, emailKey) {
      try {
        const changed = await count(
          'UPDATE users SET email = $2, email_key = $3, email_verified = TRUE WHERE id = $1',
          [userId, email, emailKey],
        );
        return changed > 0;
      } catch (error) {
        if (isEmailKeyTaken(error)) throw new EmailTakenError();
        throw error;
      }
    },
    async deleteUser(userId) {
      return inTransaction(pool, async (client) => {
        // The row first: a sign-in holding it (createSession) commits its event before the scrub
        // below looks, and one that comes later finds no user and writes nothing.
        await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
        // The audit trail stays, without the addresses and devices it was made from.
        await client.query('UPDATE audit_events SET ip = NULL, user_agent = NULL WHERE user_id = $1', [
          userId,
        ]);
        // Sessions, refresh tokens, one-time tokens, todos and mail follow by ON DELETE CASCADE.
        const deleted = await client.query('DELETE FROM users WHERE id = $1', [userId]);
        return (deleted.rowCount ?? 0) > 0;
      });
    },

    async createSession(session, firstTokenHash, options) {
      return inTransaction(pool, async (client) => {
        // Only for a live user with the checked hash, whose row it share-locks: a reset, change,
        // disabling or deletion of the user waits for this transaction (and then ends the session
        // it made); one that came first is seen here, and nothing is made.
        const inserted = await client.query(
          `INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, expires_at, user_agent, ip)
           SELECT $1, id, $3, $3, $4, $5, $6, $7 FROM users
           WHERE id = $2 AND NOT disabled AND ($8::text IS NULL OR password_hash = $8)
           FOR SHARE`,
          [
            session.id,
            session.userId,
            session.createdAt,
            session.idleExpiresAt,
            session.expiresAt,
            session.userAgent,
            session.ip,
            options?.passwordHash ?? null,
          ],
        );
        if (inserted.rowCount === 0) return false;
        await client.query(
          'INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)',
          [firstTokenHash, session.id, session.createdAt],
        );
        if (options?.event) await client.query(INSERT_AUDIT, auditParameters(options.event));
        return true;
      });
    },
    async findSession(id) {
      const row = await sessionById(id);
      return row && toSession(row);
    },
    async listActiveSessions(userId, now) {
      const found = await rows<SessionRow>(
        `SELECT * FROM sessions WHERE user_id = $1 AND ${live('$2')} ORDER BY created_at DESC, id`,
        [userId, now],
      );
      return found.map(toSession);
    },
    async findRefreshToken(tokenHash) {
      const [row] = await rows<TokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = $1', [tokenHash]);
      return row && toToken(row);
    },
    async findRefreshContext(tokenHash) {
      const found = await contextOf(tokenHash);
      if (!found) return undefined;
      return {
        token: toToken(found.token),
        session: toSession(found.session),
        user: found.user === null ? undefined : toUser(found.user),
      };
    },
    async rotateRefreshToken(rotation) {
      const rotated = await rotate(rotation);
      if (rotated) return { status: 'rotated', session: toSession(rotated) };
      // READ COMMITTED: this statement sees the winner's committed consumption.
      const found = await contextOf(rotation.tokenHash);
      const usedAt = found?.token.used_at;
      if (!found || usedAt === null || usedAt === undefined) return { status: 'not_found' };
      return {
        status: 'already_used',
        usedAt,
        session: toSession(found.session),
        token: toToken(found.token),
      };
    },
    async revokeSession(sessionId, reason, now) {
      const changed = await count(
        'UPDATE sessions SET revoked_at = $3, revoke_reason = $2 WHERE id = $1 AND revoked_at IS NULL',
        [sessionId, reason, now],
      );
      return changed > 0;
    },
    async revokeUserSessions(userId, reason, now, exceptSessionId) {
      return count(
        `UPDATE sessions SET revoked_at = $3, revoke_reason = $2
         WHERE user_id = $1 AND ${live('$3')} AND ($4::text IS NULL OR id <> $4)`,
        [userId, reason, now, exceptSessionId ?? null],
      );
    },
    async dropGraceSecrets(usedBefore) {
      return count(
        'UPDATE refresh_tokens SET successor_box = NULL WHERE successor_box IS NOT NULL AND used_at < $1',
        [usedBefore],
      );
    },
    async deleteSpentTokens(usedBefore, limit) {
      return count(
        `DELETE FROM refresh_tokens WHERE token_hash IN (
           SELECT token_hash FROM refresh_tokens WHERE used_at IS NOT NULL AND used_at < $1 LIMIT $2)`,
        [usedBefore, limit],
      );
    },
    async countActiveSessions(now) {
      const [row] = await rows<{ count: number }>(
        `SELECT count(*) AS count FROM sessions WHERE ${live('$1')}`,
        [now],
      );
      return row?.count ?? 0;
    },

    async listTodos(userId) {
      return (await todosOf(userId)).map(toTodo);
    },
    async createTodo(todo) {
      await query(
        pool,
        `INSERT INTO todos (id, user_id, title, done, created_at, updated_at) VALUES ($1, $2, $3, FALSE, $4, $4)`,
        [todo.id, todo.userId, todo.title, todo.createdAt],
      );
      return { ...todo, done: false, updatedAt: todo.createdAt } satisfies TodoRecord;
    },
    async updateTodo(userId, id, patch, now) {
      const [row] = await rows<TodoRow>(
        `UPDATE todos SET title = coalesce($3, title), done = coalesce($4, done), updated_at = $5
         WHERE id = $2 AND user_id = $1 RETURNING *`,
        [userId, id, patch.title ?? null, patch.done ?? null, now],
      );
      return row && toTodo(row);
    },
    async deleteTodo(userId, id) {
      return (await count('DELETE FROM todos WHERE id = $2 AND user_id = $1', [userId, id])) > 0;
    },

    async appendAudit(event) {
      await query(pool, INSERT_AUDIT, auditParameters(event));
    },
    async listAudit(query = {}) {
      const found = await rows<AuditRow>(
        `SELECT * FROM audit_events
         WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR kind = $2)
         ORDER BY at DESC, id DESC LIMIT $3`,
        [query.userId ?? null, query.kind ?? null, query.limit ?? 100],
      );
      return found.map(toAudit);
    },

    async listSigningKeys() {
      const found = await rows<SigningKeyRow>('SELECT * FROM signing_keys ORDER BY created_at DESC, kid');
      return found.map(toSigningKey);
    },
    async addSigningKey(key) {
      await inTransaction(pool, async (client) => {
        await client.query('UPDATE signing_keys SET retired_at = $1 WHERE retired_at IS NULL', [
          key.createdAt,
        ]);
        await client.query(
          `INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at, retired_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [key.kid, key.alg, key.privateKey, key.publicJwk, key.createdAt, key.retiredAt],
        );
      });
    },

    async createResourceClient(client) {
      await query(
        pool,
        'INSERT INTO resource_clients (id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4)',
        [client.id, client.name, client.secretHash, client.createdAt],
      );
    },
    async findResourceClient(id) {
      const [row] = await rows<ResourceClientRow>('SELECT * FROM resource_clients WHERE id = $1', [id]);
      return row && toResourceClient(row);
    },
    async listResourceClients() {
      const found = await rows<ResourceClientRow>('SELECT * FROM resource_clients ORDER BY created_at, id');
      return found.map(toResourceClient);
    },
    async deleteResourceClient(id) {
      return (await count('DELETE FROM resource_clients WHERE id = $1', [id])) > 0;
    },

    async getOrCreateSecret(name, candidate) {
      // Insert-if-absent then read back: concurrent first starts all read the one winning value.
      await query(pool, 'INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
        name,
        candidate,
      ]);
      const [row] = await rows<{ value: string }>('SELECT value FROM secrets WHERE name = $1', [name]);
      if (!row) throw new Error(`secret ${name} could not be stored`);
      return row.value;
    },
  };
}
