import type { Clock } from '../../clock.js';
import {
  createdUser,
  toAudit,
  toResourceClient,
  toSession,
  toSigningKey,
  toTodo,
  toToken,
  toUser,
} from '../rows.js';
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
import { GroupCommit } from './groupCommit.js';
import { sqliteRecovery } from './recovery.js';
import { prepareStatements, type Statements } from './statements.js';

export interface SqliteStoreOptions {
  /** Path of the database file (its directory is created, mode 0700, if missing), or `:memory:`. */
  readonly filename: string;
  /**
   * The time source of a write's wait for another process's write lock (given up after 5 s).
   * Default the system clock.
   */
  readonly clock?: Clock;
}

/** The SQLite {@link Store}, and what its engine can tell that others cannot. */
export interface SqliteStore extends Store {
  /**
   * A number that changes whenever another connection (another process on the file) commits:
   * SQLite's `PRAGMA data_version`. Lets a cache in front of this store (`withTodoListCache`) see
   * writes it did not make.
   */
  externalVersion(): number;
}

/** better-sqlite3 reports a violated UNIQUE constraint with this code and the column in the message. */
const isEmailKeyTaken = (error: unknown): boolean =>
  error instanceof Error &&
  (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
  error.message.includes('users.email_key');

/** An audit event as its row: the detail as JSON text. */
const auditRow = (event: AuditEvent) => ({
  ...event,
  detail: event.detail === null ? null : JSON.stringify(event.detail),
});

/**
 * The embedded {@link Store}: one SQLite file through better-sqlite3.
 *
 * better-sqlite3 is synchronous, so reads run to completion inside SQLite before their promise
 * resolves. Every write joins a {@link GroupCommit}: the writes requested in one event-loop turn
 * share one IMMEDIATE transaction (each in a savepoint of its own) and one fsync, made on the
 * thread pool, and each resolves once that transaction is durable. IMMEDIATE takes the database's
 * write lock up front, so concurrent processes on one file serialise (waiting up to the busy
 * timeout, between turns of the event loop) instead of failing with SQLITE_BUSY when a read
 * transaction tries to upgrade to a write.
 *
 * @example
 * const store = createSqliteStore({ filename: 'data/baton.sqlite' });
 * await store.migrate();
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = openDatabase(options.filename);
  // Prepared once, on first use: statements can only be prepared once the tables exist.
  let statements: Statements | undefined;
  const sql = (): Statements => {
    statements ??= prepareStatements(db);
    return statements;
  };
  // Every write, not only the busy ones of sign-in and refresh: the group commit is the one place
  // that learns of a failed flush, and after one no write may be acknowledged. A write committed
  // by SQLite at FULL would get its own fsync's error once, and its next one would succeed: its
  // frames follow pages the kernel may have dropped, and WAL checksums are chained, so recovery
  // after a power loss would stop before them. It also keeps every fsync off the event loop.
  const clock = options.clock;
  const groupCommit = new GroupCommit(db, undefined, undefined, clock ? () => clock.now() : Date.now);
  /** Runs `work` on the prepared statements in the next group commit; resolves once it is on disk. */
  const write = <T>(work: (s: Statements) => T): Promise<T> => groupCommit.run(() => work(sql()));
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  // A refresh's three reads in one read transaction: one WAL read lock (its system calls) instead
  // of one per statement, 19.5 to 12 µs in a better-sqlite3 loop; and one consistent view.
  const refreshContext = db.transaction((tokenHash: string) => {
    const s = sql();
    const token = s.tokenByHash.get(tokenHash);
    const session = token && s.sessionById.get(token.session_id);
    if (!token || !session) return undefined;
    const user = s.userById.get(session.user_id);
    return { token: toToken(token), session: toSession(session), user: user && toUser(user) };
  });

  return {
    externalVersion: () => dataVersion.get() ?? 0,
    ...sqliteRecovery(db, groupCommit),
    async migrate() {
      migrate(db);
    },
    lastingFailure: () => groupCommit.failure,
    async close() {
      if (!db.open) return;
      await groupCommit.close();
      if (db.open) db.close();
    },

    async createUser(user) {
      try {
        await write((s) => s.insertUser.run({ ...user, passwordChangedAt: user.createdAt }));
      } catch (error) {
        if (isEmailKeyTaken(error)) throw new EmailTakenError();
        throw error;
      }
      return createdUser(user);
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
      await write((s) => s.updatePassword.run({ userId, passwordHash, now }));
    },
    async setUserDisabled(userId, disabled) {
      return write((s) => s.setDisabled.run({ userId, disabled: disabled ? 1 : 0 }).changes > 0);
    },
    async setEmailVerified(userId, verified) {
      return write((s) => s.setEmailVerified.run({ userId, verified: verified ? 1 : 0 }).changes > 0);
    },
    async updateUserName(userId, name) {
      const row = await write((s) => s.setName.get({ userId, name }));
      return row && toUser(row);
    },
    async changeUserEmail(userId, email, emailKey) {
      try {
        return await write((s) => s.changeEmail.run({ userId, email, emailKey }).changes > 0);
      } catch (error) {
        if (isEmailKeyTaken(error)) throw new EmailTakenError();
        throw error;
      }
    },
    async deleteUser(userId) {
      // In the group commit, behind the audit events already waiting for it (also while a flush
      // holds them), so that none of this user's lands after the scrub with its address.
      return write((s) => {
        s.scrubAudit.run(userId);
        return s.deleteUser.run(userId).changes > 0;
      });
    },

    async createSession(session, firstTokenHash, options) {
      return write((s) => {
        const inserted = s.insertSession.run({ ...session, passwordHash: options?.passwordHash ?? null });
        if (inserted.changes === 0) return false;
        s.insertToken.run({ tokenHash: firstTokenHash, sessionId: session.id, createdAt: session.createdAt });
        if (options?.event) s.insertAudit.run(auditRow(options.event));
        return true;
      });
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
      // The grace window walks a chain with this and hands out the token at its end: what it read
      // must be on disk first (a rotation committed by a later group may still be flushing).
      await groupCommit.durable();
      return row && toToken(row);
    },
    async findRefreshContext(tokenHash) {
      return refreshContext(tokenHash);
    },
    async rotateRefreshToken(rotation) {
      return write((s): RotationResult => {
        // The single conditional statement that decides the race: of all callers presenting
        // this token, across connections and processes, only one sees a row come back.
        const consumed = s.consumeToken.get({
          tokenHash: rotation.tokenHash,
          now: rotation.now,
          consumedBy: rotation.consumedBy,
          successorBox: rotation.successorBox,
        });
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
          // Unreachable while the foreign key holds; throwing rolls the consumption back.
          if (!session) throw new Error(`session ${consumed.session_id} vanished during rotation`);
          return { status: 'rotated', session: toSession(session) };
        }
        const token = s.tokenByHash.get(rotation.tokenHash);
        const session = token && s.sessionById.get(token.session_id);
        if (!token || token.used_at === null || !session) return { status: 'not_found' };
        return {
          status: 'already_used',
          usedAt: token.used_at,
          session: toSession(session),
          token: toToken(token),
        };
      });
    },
    async revokeSession(sessionId, reason, now) {
      return write((s) => s.revokeSession.run({ id: sessionId, reason, now }).changes > 0);
    },
    async revokeUserSessions(userId, reason: RevokeReason, now, exceptSessionId) {
      return write(
        (s) => s.revokeUserSessions.run({ userId, reason, now, except: exceptSessionId ?? null }).changes,
      );
    },
    async dropGraceSecrets(usedBefore) {
      return write((s) => s.dropGraceSecrets.run({ before: usedBefore }).changes);
    },
    async deleteSpentTokens(usedBefore, limit) {
      return write((s) => s.deleteSpentTokens.run({ before: usedBefore, limit }).changes);
    },
    async countActiveSessions(now) {
      return sql().countActive.get({ now })?.count ?? 0;
    },

    async listTodos(userId) {
      return sql().todosOf.all(userId).map(toTodo);
    },
    async createTodo(todo) {
      await write((s) => s.insertTodo.run(todo));
      return { ...todo, done: false, updatedAt: todo.createdAt } satisfies TodoRecord;
    },
    async updateTodo(userId, id, patch, now) {
      const done = patch.done === undefined ? null : patch.done ? 1 : 0;
      const row = await write((s) => s.updateTodo.get({ userId, id, now, title: patch.title ?? null, done }));
      return row && toTodo(row);
    },
    async deleteTodo(userId, id) {
      return write((s) => s.deleteTodo.run({ userId, id }).changes > 0);
    },

    async appendAudit(event: AuditEvent) {
      const row = auditRow(event);
      await write((s) => s.insertAudit.run(row));
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
      await write((s) => {
        s.retireKeys.run({ now: key.createdAt });
        s.insertKey.run(key);
      });
    },

    async createResourceClient(client) {
      await write((s) => s.insertResourceClient.run(client));
    },
    async findResourceClient(id) {
      const row = sql().resourceClientById.get(id);
      return row && toResourceClient(row);
    },
    async listResourceClients() {
      return sql().listResourceClients.all().map(toResourceClient);
    },
    async deleteResourceClient(id) {
      return write((s) => s.deleteResourceClient.run(id).changes > 0);
    },

    async getOrCreateSecret(name, candidate) {
      // Insert-if-absent then read back: concurrent first starts all read the one winning value.
      return write((s) => {
        s.insertSecret.run({ name, value: candidate });
        const row = s.secretByName.get(name);
        if (!row) throw new Error(`secret ${name} could not be stored`);
        return row.value;
      });
    },
  };
}
