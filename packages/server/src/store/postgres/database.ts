import pg from 'pg';
import { MIGRATIONS, SCHEMA_MIGRATIONS_TABLE } from '../migrations/index.js';

/** OID of PostgreSQL's `int8` (BIGINT). */
const INT8_OID = 20;

/**
 * Epoch milliseconds are BIGINT columns; node-postgres returns int8 as a string by default, to
 * be safe past 2^53. Times stay far below that, so this pool parses them as numbers. The parser is
 * set on this pool only, never on the driver's global type table that an embedding app may share.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PoolOptions {
  readonly connectionString: string;
  /** Schema to work in (`search_path`), e.g. one per test run. Default the server's own default. */
  readonly schema?: string;
  /** Connections in the pool. Default 10. */
  readonly max?: number;
  /** How long to wait for a connection before failing, in ms. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * How long a statement may run, in ms (migrations excepted). PostgreSQL itself cancels it then
   * (`statement_timeout`), so it rolls back before its callers get an error. A grouped statement
   * (refresh rotations, refresh-token lookups, todo lists) holds up the inputs that arrive
   * meanwhile; one that gets no answer at all (a half-open socket after a failover) is also failed
   * by the driver a second later, and its connection dropped. Default 30 s.
   */
  readonly batchTimeoutMs?: number;
}

/** {@link PoolOptions.batchTimeoutMs} by default. */
export const DEFAULT_BATCH_TIMEOUT_MS = 30_000;

/**
 * How much longer than PostgreSQL's own limit the driver waits for an answer. Later, so that the
 * server has cancelled the statement, when it is alive, before its callers hear of a failure: a
 * statement abandoned by the driver alone would still commit once it got its locks (a rotation
 * reported as failed, whose successor nobody holds).
 */
const ANSWER_MARGIN_MS = 1_000;

/** How long the driver waits for a grouped statement's answer, given the pool's `batchTimeoutMs`. */
export const answerTimeout = (batchTimeoutMs: number): number => batchTimeoutMs + ANSWER_MARGIN_MS;

/** A schema name we are willing to put into `search_path` unquoted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens a pool; connections are made lazily, on the first query. */
export function openPool(options: PoolOptions): pg.Pool {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new TypeError(`invalid schema name '${options.schema}'`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    statement_timeout: options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS,
    types,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle client whose server connection dies (failover, restart) emits `error` on the pool;
  // unhandled, that would crash the process. The next query simply gets a fresh connection.
  pool.on('error', () => {});
  return pool;
}

/**
 * Whether `client` may serve the next caller after `error`: only when PostgreSQL itself answered
 * with an error (a taken key, a statement timeout, a deadlock), after which the connection is
 * ready for the next query, and not one that ends the session (a shutdown, a terminated backend,
 * an idle timeout). Anything else (a socket error, the driver's own timeout, with a statement
 * possibly still running) leaves the connection in an unknown state.
 */
function connectionSurvives(error: unknown): boolean {
  return error instanceof pg.DatabaseError && !endsSession(error);
}

/**
 * SQLSTATEs of the errors after which PostgreSQL closes the connection: connection exceptions
 * (class 08), operator intervention (57P01-57P05: shutdown, crash, start-up, database dropped,
 * idle session timeout), the idle-in-transaction timeout (25P03) and PostgreSQL 17's transaction
 * timeout (25P04). A FATAL error of another class (a recovery conflict on a standby, 40001) is
 * caught by its severity on an English-speaking server only; elsewhere the next caller's
 * statement fails on the closed connection, which is then dropped.
 */
const SESSION_ENDING = /^(08|57P)|^25P0[34]$/;

/**
 * True when `error` ended its session. The severity alone would not do: PostgreSQL translates it
 * with its `lc_messages` (FATALE, PANIK, ВАЖНО), and node-postgres does not keep the untranslated
 * one. The SQLSTATE is never translated; the severity still catches the rarer FATAL errors of
 * other classes on an English-speaking server.
 */
function endsSession(error: pg.DatabaseError): boolean {
  return SESSION_ENDING.test(error.code ?? '') || error.severity === 'FATAL' || error.severity === 'PANIC';
}

/**
 * Runs `work` on one pooled connection and hands it back: to the pool, unless it broke (its
 * `error` event) or `work` dropped it. node-postgres's `pool.query` destroys the connection after
 * any failed query, the routine ones too (a registration with a taken email, a statement timeout):
 * PostgreSQL then starts a new backend process for the next caller, who also prepares the hot
 * statements again.
 */
async function onConnection<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, drop: (error: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  // Checked out, a client has no listener of the pool's: when its server connection dies
  // (failover, restart, pg_terminate_backend) its `error` event would crash the process.
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    return await work(client, onError);
  } finally {
    client.off('error', onError);
    // A broken connection is destroyed, not handed to the next caller.
    client.release(broken);
  }
}

/**
 * One statement on a pooled connection, like `pool.query`, except that a connection on which
 * PostgreSQL refused the statement goes back to the pool (see {@link onConnection}).
 */
export function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool,
  statement: string | pg.QueryConfig,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  return onConnection(pool, async (client, drop) => {
    try {
      return await (typeof statement === 'string'
        ? client.query<R>(statement, values)
        : client.query<R>(statement));
    } catch (error) {
      if (!connectionSurvives(error)) drop(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  });
}

/** Runs `work` in one transaction on one connection, committing on success, rolling back on error. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return onConnection(pool, async (client, drop) => {
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // Rolled back, the connection serves on, whatever failed; one that cannot even roll back is
      // dropped. The caller hears the first failure.
      await client.query('ROLLBACK').catch(drop);
      throw error;
    }
  });
}

/**
 * Applies pending migrations, each in its own transaction that first takes a transaction-scoped
 * advisory lock (keyed by the current schema). Instances starting at once serialise on the lock
 * and later ones find nothing left to do; even `CREATE TABLE IF NOT EXISTS` needs the lock, since
 * two sessions running it at once can both pass the check and one fails on the catalog's unique
 * index. PostgreSQL DDL is transactional, so a failed migration leaves no half-made tables.
 */
export async function migrate(pool: pg.Pool, now: () => number = Date.now): Promise<void> {
  for (const migration of MIGRATIONS) {
    await inTransaction(pool, async (client) => {
      // A migration may rewrite a large table: the pool's statement limit is for requests.
      await client.query('SET LOCAL statement_timeout = 0');
      await client.query("SELECT pg_advisory_xact_lock(hashtext('baton.migrate:' || current_schema()))");
      await client.query(SCHEMA_MIGRATIONS_TABLE.postgres);
      const applied = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        migration.version,
      ]);
      if (applied.rowCount) return;
      await client.query(migration.postgres);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        now(),
      ]);
    });
  }
}
