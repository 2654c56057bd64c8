import type Database from 'better-sqlite3';
import type {
  AuditRow,
  ResourceClientRow,
  SessionRow,
  SigningKeyRow,
  TodoRow,
  TokenRow,
  UserRow,
} from '../rows.js';
import type {
  AuditEvent,
  NewSession,
  NewTodo,
  NewUser,
  ResourceClientRecord,
  RevokeReason,
  SigningKeyRecord,
} from '../store.js';

/**
 * The part of a better-sqlite3 statement the store uses, typed by its one parameter (a value for
 * `?`, an object for `@name` placeholders, or `void`) and its row. Declared here because
 * better-sqlite3's own statement type cannot be named in our emitted declarations.
 */
export interface Prepared<Params, Row = never> {
  run(params: Params): Database.RunResult;
  get(params: Params): Row | undefined;
  all(params: Params): Row[];
}

/** A session is live while it is neither revoked nor past its idle or absolute expiry. */
const LIVE = 'revoked_at IS NULL AND expires_at > @now AND idle_expires_at > @now';

/** Every statement of the SQLite store, prepared once per connection. */
export type Statements = ReturnType<typeof prepareStatements>;

/** Prepares every statement once (after migrations, when the tables exist). */
export function prepareStatements(db: Database.Database) {
  const q = <Params, Row = never>(sql: string): Prepared<Params, Row> => db.prepare<[Params], Row>(sql);
  return {
    insertUser: q<NewUser & { passwordChangedAt: number }>(
      `INSERT INTO users (id, email, email_key, name, password_hash, disabled, created_at, password_changed_at)
       VALUES (@id, @email, @emailKey, @name, @passwordHash, 0, @createdAt, @passwordChangedAt)`,
    ),
    userByEmailKey: q<string, UserRow>('SELECT * FROM users WHERE email_key = ?'),
    userById: q<string, UserRow>('SELECT * FROM users WHERE id = ?'),
    listUsers: q<{ limit: number; offset: number }, UserRow>(
      'SELECT * FROM users ORDER BY created_at, id LIMIT @limit OFFSET @offset',
    ),
    updatePassword: q<{ userId: string; passwordHash: string; now: number }>(
      'UPDATE users SET password_hash = @passwordHash, password_changed_at = @now WHERE id = @userId',
    ),
    setDisabled: q<{ userId: string; disabled: 0 | 1 }>(
      'UPDATE users SET disabled = @disabled WHERE id = @userId',
    ),
    setEmailVerified: q<{ userId: string; verified: 0 | 1 }>(
      'UPDATE users SET email_verified = @verified WHERE id = @userId',
    ),
    setName: q<{ userId: string; name: string | null }, UserRow>(
      'UPDATE users SET name = @name WHERE id = @userId RETURNING *',
    ),
    changeEmail: q<{ userId: string; email: string; emailKey: string }>(
      'UPDATE users SET email = @email, email_key = @emailKey, email_verified = 1 WHERE id = @userId',
    ),
    // A deleted user's audit trail stays, without the addresses and devices it was made from.
    scrubAudit: q<string>('UPDATE audit_events SET ip = NULL, user_agent = NULL WHERE user_id = ?'),
    // Sessions, refresh tokens, one-time tokens, todos and mail follow by ON DELETE CASCADE.
    deleteUser: q<string>('DELETE FROM users WHERE id = ?'),

    // Only for a live user with the password the sign-in checked (see Store.createSession).
    insertSession: q<NewSession & { passwordHash: string | null }>(
      `INSERT INTO sessions (id, user_id, created_at, last_used_at, idle_expires_at, expires_at, user_agent, ip)
       SELECT @id, @userId, @createdAt, @createdAt, @idleExpiresAt, @expiresAt, @userAgent, @ip
       WHERE EXISTS (SELECT 1 FROM users WHERE id = @userId AND disabled = 0
                     AND (@passwordHash IS NULL OR password_hash = @passwordHash))`,
    ),
    sessionById: q<string, SessionRow>('SELECT * FROM sessions WHERE id = ?'),
    activeSessions: q<{ userId: string; now: number }, SessionRow>(
      `SELECT * FROM sessions WHERE user_id = @userId AND ${LIVE} ORDER BY created_at DESC, id`,
    ),
    countActive: q<{ now: number }, { count: number }>(
      `SELECT count(*) AS count FROM sessions WHERE ${LIVE}`,
    ),
    insertToken: q<{ tokenHash: string; sessionId: string; createdAt: number }>(
      'INSERT INTO refresh_tokens (token_hash, session_id, created_at) VALUES (@tokenHash, @sessionId, @createdAt)',
    ),
    tokenByHash: q<string, TokenRow>('SELECT * FROM refresh_tokens WHERE token_hash = ?'),
    // The one statement that decides a rotation race: it can change a row only while used_at is NULL.
    consumeToken: q<
      { tokenHash: string; now: number; consumedBy: string; successorBox: string | null },
      { session_id: string }
    >(
      `UPDATE refresh_tokens SET used_at = @now, consumed_by = @consumedBy, successor_box = @successorBox
       WHERE token_hash = @tokenHash AND used_at IS NULL RETURNING session_id`,
    ),
    deleteSpentTokens: q<{ before: number; limit: number }>(
      `DELETE FROM refresh_tokens WHERE token_hash IN (
         SELECT token_hash FROM refresh_tokens INDEXED BY refresh_tokens_spent
         WHERE used_at IS NOT NULL AND used_at < @before LIMIT @limit)`,
    ),
    dropGraceSecrets: q<{ before: number }>(
      // Named: both partial indexes cover `used_at <`, and without statistics SQLite may pick the
      // large one (every spent token) over the small one (tokens inside their grace window).
      `UPDATE refresh_tokens INDEXED BY refresh_tokens_grace SET successor_box = NULL
       WHERE successor_box IS NOT NULL AND used_at < @before`,
    ),
    extendSession: q<{ id: string; now: number; idleExpiresAt: number }, SessionRow>(
      'UPDATE sessions SET last_used_at = @now, idle_expires_at = @idleExpiresAt WHERE id = @id RETURNING *',
    ),
    revokeSession: q<{ id: string; reason: RevokeReason; now: number }>(
      'UPDATE sessions SET revoked_at = @now, revoke_reason = @reason WHERE id = @id AND revoked_at IS NULL',
    ),
    revokeUserSessions: q<{ userId: string; reason: RevokeReason; now: number; except: string | null }>(
      `UPDATE sessions SET revoked_at = @now, revoke_reason = @reason
       WHERE user_id = @userId AND ${LIVE} AND (@except IS NULL OR id <> @except)`,
    ),

    todosOf: q<string, TodoRow>('SELECT * FROM todos WHERE user_id = ? ORDER BY created_at, id'),
    insertTodo: q<NewTodo>(
      `INSERT INTO todos (id, user_id, title, done, created_at, updated_at)
       VALUES (@id, @userId, @title, 0, @createdAt, @createdAt)`,
    ),
    // NULL means "not in the patch": coalesce keeps the stored value.
    updateTodo: q<
      { userId: string; id: string; now: number; title: string | null; done: 0 | 1 | null },
      TodoRow
    >(
      `UPDATE todos SET title = coalesce(@title, title), done = coalesce(@done, done), updated_at = @now
       WHERE id = @id AND user_id = @userId RETURNING *`,
    ),
    deleteTodo: q<{ userId: string; id: string }>('DELETE FROM todos WHERE id = @id AND user_id = @userId'),

    insertAudit: q<Omit<AuditEvent, 'detail'> & { detail: string | null }>(
      `INSERT INTO audit_events (id, at, kind, user_id, session_id, ip, user_agent, detail)
       VALUES (@id, @at, @kind, @userId, @sessionId, @ip, @userAgent, @detail)`,
    ),
    listAudit: q<{ userId: string | null; kind: string | null; limit: number }, AuditRow>(
      `SELECT * FROM audit_events
       WHERE (@userId IS NULL OR user_id = @userId) AND (@kind IS NULL OR kind = @kind)
       ORDER BY at DESC, rowid DESC LIMIT @limit`,
    ),

    listKeys: q<void, SigningKeyRow>('SELECT * FROM signing_keys ORDER BY created_at DESC, kid'),
    retireKeys: q<{ now: number }>('UPDATE signing_keys SET retired_at = @now WHERE retired_at IS NULL'),
    insertKey: q<SigningKeyRecord>(
      `INSERT INTO signing_keys (kid, alg, private_key, public_jwk, created_at, retired_at)
       VALUES (@kid, @alg, @privateKey, @publicJwk, @createdAt, @retiredAt)`,
    ),

    insertResourceClient: q<ResourceClientRecord>(
      'INSERT INTO resource_clients (id, name, secret_hash, created_at) VALUES (@id, @name, @secretHash, @createdAt)',
    ),
    resourceClientById: q<string, ResourceClientRow>('SELECT * FROM resource_clients WHERE id = ?'),
    listResourceClients: q<void, ResourceClientRow>('SELECT * FROM resource_clients ORDER BY created_at, id'),
    deleteResourceClient: q<string>('DELETE FROM resource_clients WHERE id = ?'),

    // ON CONFLICT (name) rather than INSERT OR IGNORE: only the race we expect is ignored, a NOT NULL
    // violation still throws; and the same text runs on PostgreSQL.
    insertSecret: q<{ name: string; value: string }>(
      'INSERT INTO secrets (name, value) VALUES (@name, @value) ON CONFLICT (name) DO NOTHING',
    ),
    secretByName: q<string, { value: string }>('SELECT value FROM secrets WHERE name = ?'),
  };
}
