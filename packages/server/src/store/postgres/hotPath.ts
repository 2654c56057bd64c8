import type pg from 'pg';
import type { SessionRow, TodoRow, TokenRow, UserRow } from '../rows.js';
import type { Rotation } from '../store.js';
import { statementBatches } from './statementBatches.js';

/**
 * Statements in flight at once for each step of a refresh (the lookup, the rotation), per
 * instance. One: the refreshes that arrive while it runs all go in the next, so under load each
 * statement carries more of them, and PostgreSQL parses, plans and commits fewer. Measured with 16
 * refresh chains over 400 users (a scratch run of the bench's chains, 3 s rounds): with two in
 * flight one instance rotated 1,804-1,890/s and two 1,375-1,468/s, at 336 and 510 µs of
 * PostgreSQL's CPU a rotation; with one, 1,991-2,033/s and 1,544-1,643/s, at 254-261 and 399-401
 * µs. A refresh that finds the store idle is sent at once either way; under load one waits for at
 * most the statement before it.
 */
const REFRESH_STATEMENTS_IN_FLIGHT = 1;

/** A refresh token's row with its session's and its user's, as one lookup answers it. */
export type RefreshContextRow = { token: TokenRow; session: SessionRow; user: UserRow | null };

/** The statements of the busiest paths: refresh (lookup and rotation), the session gate, todo lists. */
export interface HotPathStatements {
  /** A refresh token with its session and user; concurrent lookups share a statement. */
  contextOf(tokenHash: string): Promise<RefreshContextRow | undefined>;
  /** Consumes the token and inserts its successor; concurrent rotations share a statement and a commit. */
  rotate(rotation: Rotation): Promise<SessionRow | undefined>;
  /** One session by id (the session gate's lookup), prepared once per connection. */
  sessionById(id: string): Promise<SessionRow | undefined>;
  /** Each user's todo list; concurrent reads share a statement. */
  todosOf(userId: string): Promise<TodoRow[]>;
}

/**
 * The hot paths' statements on `pool`: named (so prepared once per connection), and batched where
 * concurrent requests can share one (see statementBatches), each batched statement bounded by
 * `batchTimeout` milliseconds.
 */
export function hotPathStatements(pool: pg.Pool, batchTimeout: number): HotPathStatements {
  /**
   * A grouped statement, bounded in time: node-postgres's `query_timeout` (missing from its
   * typings) fails the query on expiry, and the pool then drops that connection.
   */
  const grouped = (statement: pg.QueryConfig): pg.QueryConfig => {
    const bounded: pg.QueryConfig & { query_timeout: number } = { ...statement, query_timeout: batchTimeout };
    return bounded;
  };
  // A refresh token with its session and user, for many tokens in one statement (see
  // statementBatches): concurrent refreshes share a round trip for their lookups too.
  const contextOf = statementBatches<string, RefreshContextRow | undefined>({
    async many(tokenHashes) {
      const { rows: found } = await pool.query<{ hash: string; row: RefreshContextRow }>(
        grouped({
          name: 'baton_refresh_contexts',
          text: `SELECT t.token_hash AS hash,
           json_build_object('token', row_to_json(t), 'session', row_to_json(s), 'user', row_to_json(u)) AS row
         FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id LEFT JOIN users u ON u.id = s.user_id
         WHERE t.token_hash = ANY($1::text[])`,
          values: [tokenHashes],
        }),
      );
      const byHash = new Map(found.map(({ hash, row }) => [hash, row]));
      return tokenHashes.map((hash) => byHash.get(hash));
    },
    maxInFlight: REFRESH_STATEMENTS_IN_FLIGHT,
  });
  // Consume, insert the successor and extend the session in one statement, so one round trip and
  // one commit: the conditional UPDATE still decides the race (a concurrent statement waits for
  // the row lock, re-checks `used_at IS NULL` and consumes nothing, and so inserts nothing). For
  // one rotation or many at once (see statementBatches): each input row carries its index, so every
  // caller gets its own session row; a token presented twice in one batch is consumed once, and
  // the other presentation finds nothing, as it would in a statement of its own.
  const rotateMany = async (batch: readonly Rotation[]): Promise<(SessionRow | undefined)[]> => {
    const column = <T>(pick: (rotation: Rotation, index: number) => T) => batch.map(pick);
    const { rows: rotated } = await pool.query<{ idx: number; row: SessionRow }>(
      grouped({
        name: 'baton_rotate_batch',
        text: `WITH input AS (
         SELECT * FROM unnest($1::int[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[])
           AS i(idx, token_hash, now, consumed_by, successor_box, successor_hash, idle_expires_at)
       ), consumed AS (
         UPDATE refresh_tokens t SET used_at = i.now, consumed_by = i.consumed_by, successor_box = i.successor_box
         FROM input i WHERE t.token_hash = i.token_hash AND t.used_at IS NULL RETURNING i.idx, t.session_id
       ), successor AS (
         INSERT INTO refresh_tokens (token_hash, session_id, created_at)
         SELECT i.successor_hash, c.session_id, i.now FROM consumed c JOIN input i ON i.idx = c.idx
       )
       UPDATE sessions s SET last_used_at = i.now, idle_expires_at = i.idle_expires_at
       FROM consumed c JOIN input i ON i.idx = c.idx WHERE s.id = c.session_id
       RETURNING c.idx, row_to_json(s) AS row`,
        values: [
          column((_, index) => index),
          column((rotation) => rotation.tokenHash),
          column((rotation) => rotation.now),
          column((rotation) => rotation.consumedBy),
          column((rotation) => rotation.successorBox),
          column((rotation) => rotation.successorHash),
          column((rotation) => rotation.idleExpiresAt),
        ],
      }),
    );
    const byIndex: (SessionRow | undefined)[] = new Array(batch.length).fill(undefined);
    for (const { idx, row } of rotated) byIndex[idx] = row;
    return byIndex;
  };
  const rotate = statementBatches<Rotation, SessionRow | undefined>({
    many: rotateMany,
    maxInFlight: REFRESH_STATEMENTS_IN_FLIGHT,
  });
  /**
   * The session gate's lookup, a named statement like the batched ones (so parsed and planned once
   * per connection). Like them it returns whole rows as one `json` column, so its result type stays
   * the same when a later migration (a rolling upgrade) adds columns, which would otherwise make
   * PostgreSQL refuse the cached plan.
   */
  const sessionById = async (id: string): Promise<SessionRow | undefined> =>
    (
      await pool.query<{ row: SessionRow }>({
        name: 'baton_session',
        text: 'SELECT row_to_json(s) AS row FROM sessions s WHERE id = $1',
        values: [id],
      })
    ).rows[0]?.row;
  // Each user's todo list, for many users in one statement: concurrent reads of lists (what
  // clients do most) share a round trip, as refreshes do.
  const todosOf = statementBatches<string, TodoRow[]>({
    async many(userIds) {
      const { rows: found } = await pool.query<{ owner: string; row: TodoRow }>(
        grouped({
          name: 'baton_todo_lists',
          text: `SELECT t.user_id AS owner, row_to_json(t) AS row FROM todos t
         WHERE t.user_id = ANY($1::text[]) ORDER BY t.created_at, t.id`,
          values: [userIds],
        }),
      );
      const lists = new Map<string, TodoRow[]>(userIds.map((userId) => [userId, []]));
      for (const { owner, row } of found) lists.get(owner)?.push(row);
      return userIds.map((userId) => lists.get(userId) ?? []);
    },
    maxInFlight: 2,
  });
  return {
    contextOf,
    rotate,
    sessionById,
    todosOf,
  };
}
