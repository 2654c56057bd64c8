import type pg from 'pg';
import type { SessionRow, TodoRow, TokenRow, UserRow } from '../rows.js';
import type { Rotation } from '../store.js';
import { answerTimeout, query } from './database.js';
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

/**
 * An array parameter as the batched statements read it: through a scalar subquery, so that
 * PostgreSQL cannot see how many inputs a batch holds. It then prices one plan for every batch
 * size, and after the five executions it always plans in full it keeps a generic plan for the
 * connection. Given the array itself, it sees each batch's length, finds a plan for one to a few
 * inputs cheaper than the generic one, and so plans every execution again: 0.2-0.4 ms of
 * PostgreSQL's CPU per statement. Measured with a scratch loop of lookups and rotations on 400
 * sessions with 100 spent tokens each (one connection, 3 s): PostgreSQL's CPU per rotation went
 * from 861 to 387 µs in batches of one and from 338 to 133 µs in batches of four; from 16 inputs
 * up PostgreSQL chose the generic plan either way (73 and 69 µs).
 */
const opaque = (parameter: string, type: string) => `(SELECT ${parameter}::${type}[])`;

/**
 * Orders rotations by token hash, in UTF-16 code-unit order. It need not match PostgreSQL's
 * collation, only be the same in every instance.
 */
const byTokenHash = (x: Rotation, y: Rotation): number =>
  x.tokenHash < y.tokenHash ? -1 : x.tokenHash > y.tokenHash ? 1 : 0;

/** A refresh token's row with its session's and its user's, as one lookup answers it. */
export type RefreshContextRow = { token: TokenRow; session: SessionRow; user: UserRow | null };

/** A grouped statement that failed as a whole; its inputs were then tried again one by one. */
export interface BatchFailure {
  /** The prepared statement's name, e.g. `baton_rotate_batch`. */
  readonly statement: string;
  /** How many inputs it carried. */
  readonly inputs: number;
  /** What PostgreSQL or the driver said (a deadlock is SQLSTATE 40P01). */
  readonly error: unknown;
}

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
 * concurrent requests can share one (see statementBatches). PostgreSQL cancels each after the
 * pool's `batchTimeoutMs` (its `statement_timeout`, see openPool).
 */
export function hotPathStatements(
  pool: pg.Pool,
  batchTimeoutMs: number,
  onBatchFailure: (failure: BatchFailure) => void = () => {},
): HotPathStatements {
  const reportAs = (statement: string) => (error: unknown, inputs: number) =>
    onBatchFailure({ statement, inputs, error });
  /**
   * A grouped statement, also bounded in the driver, for a connection that never answers (a
   * half-open socket): node-postgres's `query_timeout` (missing from its typings) fails the query
   * on expiry, and the pool then drops that connection. It waits a little longer than the
   * server's own limit, so that a server that is alive has rolled the statement back first.
   */
  const timeout = answerTimeout(batchTimeoutMs);
  const grouped = (statement: pg.QueryConfig): pg.QueryConfig => {
    const bounded: pg.QueryConfig & { query_timeout: number } = { ...statement, query_timeout: timeout };
    return bounded;
  };
  // A refresh token with its session and user, for many tokens in one statement (see
  // statementBatches): concurrent refreshes share a round trip for their lookups too. The session
  // and the user are scalar subqueries, each an index lookup per token, where a join let the
  // generic plan (priced for ten tokens, see `opaque`) hash the whole sessions table of a small
  // deployment on every statement: 255 against 355 µs of PostgreSQL's CPU per rotation in
  // batches of one, 118 against 134 in batches of four, in the scratch loop described at `opaque`.
  const contextOf = statementBatches<string, RefreshContextRow | undefined>({
    async many(tokenHashes) {
      // `row` is null for a token without a session, which the foreign key rules out.
      const { rows: found } = await query<{ hash: string; row: RefreshContextRow | null }>(
        pool,
        grouped({
          name: 'baton_refresh_contexts',
          text: `SELECT t.token_hash AS hash,
           (SELECT json_build_object('token', row_to_json(t), 'session', row_to_json(s),
              'user', (SELECT row_to_json(u) FROM users u WHERE u.id = s.user_id))
            FROM sessions s WHERE s.id = t.session_id) AS row
         FROM refresh_tokens t WHERE t.token_hash = ANY(${opaque('$1', 'text')}::text[])`,
          values: [tokenHashes],
        }),
      );
      const byHash = new Map(found.map(({ hash, row }) => [hash, row ?? undefined]));
      return tokenHashes.map((hash) => byHash.get(hash));
    },
    maxInFlight: REFRESH_STATEMENTS_IN_FLIGHT,
    onBatchFailure: reportAs('baton_refresh_contexts'),
  });
  // Consume, insert the successor and extend the session in one statement, so one round trip and
  // one commit: the conditional UPDATE still decides the race (a concurrent statement waits for
  // the row lock, re-checks `used_at IS NULL` and consumes nothing, and so inserts nothing). For
  // one rotation or many at once (see statementBatches): each input row carries its index, so every
  // caller gets its own session row; a token presented twice in one batch is consumed once, and
  // the other presentation finds nothing, as it would in a statement of its own. `consumed`
  // returns what the successor and the session need, so neither joins the input again (the plan
  // ran that join as a loop over every pair of rows, 4,032 of them in a batch of 64).
  // The batch goes in the order of its token hashes, so every instance locks tokens in one order:
  // two batches holding the same tokens queue on the first one they share. In the order requests
  // came, each of two instances could hold a token the other waits for, and PostgreSQL failed one
  // batch after `deadlock_timeout` (a second by default) for its refreshes to be tried again alone.
  // PostgreSQL locks in the order it finds the rows: from a few hundred tokens up it walks the
  // input, looking each one up in the index (in the plan checked with 400 and 20,000 sessions);
  // in a table of a few dozen it scans the table, in the same order for everyone. Taking the locks
  // with `ORDER BY token_hash FOR UPDATE` first would not depend on the plan, but cost PostgreSQL
  // 14% more CPU per rotation and 6% of rotations (median of 12 A/B rounds, AB_STORE=postgres).
  const rotateMany = async (batch: readonly Rotation[]): Promise<(SessionRow | undefined)[]> => {
    const order = batch.map((_, index) => index).sort((x, y) => byTokenHash(batch[x]!, batch[y]!));
    const column = <T>(pick: (rotation: Rotation, index: number) => T) =>
      order.map((index) => pick(batch[index]!, index));
    const { rows: rotated } = await query<{ idx: number; row: SessionRow }>(
      pool,
      grouped({
        name: 'baton_rotate_batch',
        text: `WITH input AS (
         SELECT * FROM unnest(${opaque('$1', 'int')}, ${opaque('$2', 'text')}, ${opaque('$3', 'bigint')},
           ${opaque('$4', 'text')}, ${opaque('$5', 'text')}, ${opaque('$6', 'text')}, ${opaque('$7', 'bigint')})
           AS i(idx, token_hash, now, consumed_by, successor_box, successor_hash, idle_expires_at)
       ), consumed AS (
         UPDATE refresh_tokens t SET used_at = i.now, consumed_by = i.consumed_by, successor_box = i.successor_box
         FROM input i
         WHERE t.token_hash = i.token_hash AND t.used_at IS NULL
         RETURNING i.idx, t.session_id, i.now, i.successor_hash, i.idle_expires_at
       ), successor AS (
         INSERT INTO refresh_tokens (token_hash, session_id, created_at)
         SELECT c.successor_hash, c.session_id, c.now FROM consumed c
       )
       UPDATE sessions s SET last_used_at = c.now, idle_expires_at = c.idle_expires_at
       FROM consumed c WHERE s.id = c.session_id
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
    onBatchFailure: reportAs('baton_rotate_batch'),
  });
  /**
   * The session gate's lookup, a named statement like the batched ones (so parsed and planned once
   * per connection). Like them it returns whole rows as one `json` column, so its result type stays
   * the same when a later migration (a rolling upgrade) adds columns, which would otherwise make
   * PostgreSQL refuse the cached plan.
   */
  const sessionById = async (id: string): Promise<SessionRow | undefined> =>
    (
      await query<{ row: SessionRow }>(pool, {
        name: 'baton_session',
        text: 'SELECT row_to_json(s) AS row FROM sessions s WHERE id = $1',
        values: [id],
      })
    ).rows[0]?.row;
  // Each user's todo list, for many users in one statement: concurrent reads of lists (what
  // clients do most) share a round trip, as refreshes do. Here the array stays in sight of the
  // planner (unlike `opaque`): a read of one table plans in about 25 µs, and knowing the batch's
  // size it reads the index, where the plan priced for ten users read all of a small table (a
  // scratch comparison on 1,200 todos: 59-62 against 125-126 µs of PostgreSQL's CPU a statement).
  const todosOf = statementBatches<string, TodoRow[]>({
    async many(userIds) {
      const { rows: found } = await query<{ owner: string; row: TodoRow }>(
        pool,
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
    onBatchFailure: reportAs('baton_todo_lists'),
  });
  return {
    contextOf,
    rotate,
    sessionById,
    todosOf,
  };
}
