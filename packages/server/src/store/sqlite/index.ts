import type Database from 'better-sqlite3';
import {
  type AuditEvent,
  EmailTakenError,
  type RevokeReason,
  type RotationResult,
  type SigningKeyRecord,
  type Store,
  type TodoRecord,
} from '../store.js';
import { migrate, openDatabase } from './database.js';
import {
  type AuditRow,
  type SessionRow,
  type SigningKeyRow,
  type TodoRow,
  toAudit,
  toSession,
  toSigningKey,
  toTodo,
  toUser,
  type UserRow,
} from './rows.js';

export interface SqliteStoreOptions {
  /** Path of the database file (its directory is created), or `:memory:`. */
  readonly filename: string;
}

const LIVE = 'revoked_at IS NULL AND expires_at > @now AND idle_expires_at > @now';

/**
 * The embedded {@link Store}: one SQLite file through better-sqlite3. Every method runs
 * synchronously inside SQLite and resolves at once; multi-statement operations run in IMMEDIATE
 * transactions, which take the database's write lock up front so that concurrent processes on
 * one file serialise instead of deadlocking.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = openDatabase(options.filename);
  let statements: ReturnType<typeof prepare> | undefined;
  const sql = () => {
    statements ??= prepare(db);
    return statements;
  };

  return {
    async migrate() {
      migrate(db);
    },
    async close() {
      if (db.open) db.close();
    },

    async createUser(user) {
      try {
        sql().insertUser.run({ ...user, passwordChangedAt: user.createdAt });
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new EmailTakenError();
        throw error;
      }
      return {
        id: user.id,
        email: user.email,
        name: user.name,
        passwordHash: user.passwordHash,
        disabled: false,
        createdAt: user.createdAt,
        passwordChangedAt: user.createdAt,
      };
    },
    async findUserByEmailKey(emailKey) {
      const row = sql().userByEmailKey.get(emailKey);
      return row && toUser(row);
    },
    async findUserById(id) {
      const row = sql().userById.get(id);
      return row && toUser(row);
    },
    async listUsers(page = {}) {
      return sql()
        .listUsers.all({ limit: page.limit ?? 100, offset: page.offset ?? 0 })
        .map(toUser);
    },
    async updatePasswordHash(userId, passwordHash, now) {
      sql().updatePassword.run({ userId, passwordHash, now });
    },
    async setUserDisabled(userId, disabled) {
      return sql().setDisabled.run({ userId, disabled: disabled ? 1 : 0 }).changes > 0;
    },

    async createSession(session, firstTokenHash) {
      const s = sql();
      db.transaction(() => {
        s.insertSession.run(session);
        s.insertToken.run({ tokenHash: firstTokenHash, sessionId: session.id, createdAt: session.createdAt });
      }).immediate();
    },
    async findSession(id) {
      const row = sql().sessionById.get(id);
      return row && toSession(row);
    },
    async listActiveSessions(userId, now) {
      return sql().activeSessions.all({ userId, now }).map(toSession);
    },
    async findRefreshToken(tokenHash) {
      const row = sql().tokenByHash.get(tokenHash);
      return (
        row && {
          tokenHash: row.token_hash,
          sessionId: row.session_id,
          createdAt: row.created_at,
          usedAt: row.used_at,
        }
      );
    },
    async rotateRefreshToken(rotation) {
      const s = sql();
      return db
        .transaction((): RotationResult => {
          // The single conditional statement that decides the race: only one caller sees a row.
          const consumed = s.consumeToken.get({ tokenHash: rotation.tokenHash, now: rotation.now });
          if (consumed) {
            s.insertToken.run({
              tokenHash: rotation.successorHash,
              sessionId: consumed.session_id,
              createdAt: rotation.now,
            });
            const session = s.extendSession.get({
              id: consumed.session_id,
              now: rotation.now,
              idleExpiresAt: rotation.idleExpiresAt,
            });
            if (!session) throw new Error(`session ${consumed.session_id} vanished during rotation`);
            return { status: 'rotated', session: toSession(session) };
          }
          const token = s.tokenByHash.get(rotation.tokenHash);
          const session = token && s.sessionById.get(token.session_id);
          if (!token || token.used_at === null || !session) return { status: 'not_found' };
          return { status: 'already_used', usedAt: token.used_at, session: toSession(session) };
        })
        .immediate();
    },
    async revokeSession(sessionId, reason, now) {
      return sql().revokeSession.run({ id: sessionId, reason, now }).changes > 0;
    },
    async revokeUserSessions(userId, reason: RevokeReason, now, exceptSessionId) {
      return sql().revokeUserSessions.run({ userId, reason, now, except: exceptSessionId ?? null }).changes;
    },
    async countActiveSessions(now) {
      return sql().countActive.get({ now })?.count ?? 0;
    },

    async listTodos(userId) {
      return sql().todosOf.all(userId).map(toTodo);
    },
    async createTodo(todo) {
      sql().insertTodo.run(todo);
      return { ...todo, done: false, updatedAt: todo.createdAt } satisfies TodoRecord;
    },
    async updateTodo(userId, id, patch, now) {
      const row = sql().updateTodo.get({
        userId,
        id,
        now,
        title: patch.title ?? null,
        done: patch.done === undefined ? null : patch.done ? 1 : 0,
      });
      return row && toTodo(row);
    },
    async deleteTodo(userId, id) {
      return sql().deleteTodo.run({ userId, id }).changes > 0;
    },

    async appendAudit(event: AuditEvent) {
      sql().insertAudit.run({
        ...event,
        detail: event.detail === null ? null : JSON.stringify(event.detail),
      });
    },
    async listAudit(query = {}) {
      return sql()
        .listAudit.all({ userId: query.userId ?? null, kind: query.kind ?? null, limit: query.limit ?? 100 })
        .map(toAudit);
    },

    async listSigningKeys() {
      return sql().listKeys.all().map(toSigningKey);
    },
    async addSigningKey(key: SigningKeyRecord) {
      const s = sql();
      db.transaction(() => {
        s.retireKeys.run({ now: key.createdAt });
        s.insertKey.run({ ...key, retiredAt: key.retiredAt });
      }).immediate();
    },

    async getOrCreateSecret(name, candidate) {
      const s = sql();
      s.insertSecret.run({ name, value: candidate });
      const row = s.secretByName.get(name);
      if (!row) throw new Error(`secret ${name} could not be stored`);
      return row.value;
    },
  };
}

/** Prepares every statement once (after migrations, when the tables exist). */
function prepare(db: Database.Database) {
  return {
    insertUser: db.prepare(
      `INSERT INTO users (id, email, email_key, name, password_hash, disabled, created_at, password_changed_at)
       VALUES (@id, @email, @emailKey, @name, @passwordHash, 0, @createdAt, @passwordChangedAt)`,
    ),
    userByEmailKey: db.prepare<[string], UserRow>('SELECT * FROM users WHERE email_key = ?'),
    userById: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    listUsers: db.prepare<{ limit: number; offset: number }, UserRow>(
      'SELECT * FROM users ORDER BY created_at, id LIMIT @limit OFFSET @offset',
    ),
    updatePassword: db.prepare(
      'UPDATE users SET password_hash = @passwordHash, password_changed_at = @now WHERE id = @userId',
    ),
    setDisabled: db.prepare('UPDATE users SET disabled = @disabled WHERE id = @userId'),

    insertSession: db.prepare(
      `INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, expires_at, user_agent, ip)
       VALUES (@id, @userId, @createdAt, @createdAt, @idleExpiresAt, @expiresAt, @userAgent, @ip)`,
    ),
    sessionById: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
    activeSessions: db.prepare<{ userId: string; now: number }, SessionRow>(
      `SELECT * FROM sessions WHERE user_id = @userId AND ${LIVE} ORDER BY created_at DESC, id`,
    ),
    countActive: db.prepare<{ now: number }, { count: number }>(
      `SELECT count(*) AS count FROM sessions WHERE ${LIVE}`,
    ),
    insertToken: db.prepare(
      'INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (@tokenHash, @sessionId, @createdAt)',
    ),
    tokenByHash: db.prepare<
      [string],
      { token_hash: string; session_id: string; created_at: number; used_at: number | null }
    >('SELECT * FROM refresh_tokens WHERE token_hash = ?'),
    consumeToken: db.prepare<{ tokenHash: string; now: number }, { session_id: string }>(
      'UPDATE refresh_tokens SET used_at = @now WHERE token_hash = @tokenHash AND used_at IS NULL RETURNING session_id',
    ),
    extendSession: db.prepare<{ id: string; now: number; idleExpiresAt: number }, SessionRow>(
      'UPDATE sessions SET last_used_at = @now, idle_expires_at = @idleExpiresAt WHERE id = @id RETURNING *',
    ),
    revokeSession: db.prepare(
      'UPDATE sessions SET revoked_at = @now, revoke_reason = @reason WHERE id = @id AND revoked_at IS NULL',
    ),
    revokeUserSessions: db.prepare(
      `UPDATE sessions SET revoked_at = @now, revoke_reason = @reason
       WHERE user_id = @userId AND revoked_at IS NULL AND (@except IS NULL OR id <> @except)`,
    ),

    todosOf: db.prepare<[string], TodoRow>('SELECT * FROM todos WHERE user_id = ? ORDER BY created_at, id'),
    insertTodo: db.prepare(
      `INSERT INTO todos (id, user_id, title, done, created_at, updated_at)
       VALUES (@id, @userId, @title, 0, @createdAt, @createdAt)`,
    ),
    updateTodo: db.prepare<
      { userId: string; id: string; now: number; title: string | null; done: number | null },
      TodoRow
    >(
      `UPDATE todos SET title = coalesce(@title, title), done = coalesce(@done, done), updated_at = @now
       WHERE id = @id AND user_id = @userId RETURNING *`,
    ),
    deleteTodo: db.prepare('DELETE FROM todos WHERE id = @id AND user_id = @userId'),

    insertAudit: db.prepare(
      `INSERT INTO audit_events (id, at, kind, user_id, session_id, ip, user_agent, detail)
       VALUES (@id, @at, @kind, @userId, @sessionId, @ip, @userAgent, @detail)`,
    ),
    listAudit: db.prepare<{ userId: string | null; kind: string | null; limit: number }, AuditRow>(
      `SELECT * FROM audit_events
       WHERE (@userId IS NULL OR user_id = @userId) AND (@kind IS NULL OR kind = @kind)
       ORDER BY at DESC, rowid DESC LIMIT @limit`,
    ),

    listKeys: db.prepare<[], SigningKeyRow>('SELECT * FROM signing_keys ORDER BY created_at DESC, kid'),
    retireKeys: db.prepare('UPDATE signing_keys SET retired_at = @now WHERE retired_at IS NULL'),
    insertKey: db.prepare(
      `INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at, retired_at)
       VALUES (@kid, @alg, @privateKey, @publicJwk, @createdAt, @retiredAt)`,
    ),

    insertSecret: db.prepare(
      'INSERT INTO secrets (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING',
    ),
    secretByName: db.prepare<[string], { value: string }>('SELECT value FROM secrets WHERE name = ?'),
  };
}
