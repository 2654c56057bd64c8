import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Meter } from './cpuSplit.js';
import { loopFor } from './stats.js';

/** Where the bench looks for PostgreSQL: `BENCH_DATABASE_URL`, else the local test database. */
const CANDIDATES = process.env.BENCH_DATABASE_URL
  ? [process.env.BENCH_DATABASE_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

/** A schema of its own on the PostgreSQL server, dropped at the end of the run. */
export interface BenchDatabase {
  readonly url: string;
  /** The URL with `search_path` set to the schema, for Baton's processes. */
  readonly schemaUrl: string;
  readonly schema: string;
  /** The server's `synchronous_commit` and `fsync`, for the report. */
  readonly durability: string;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema on the first reachable candidate; a string saying why not when none answers. */
export async function openBenchDatabase(): Promise<BenchDatabase | string> {
  for (const url of CANDIDATES) {
    try {
      const schema = `baton_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
      const durability = await withClient(url, async (client) => {
        await client.query(`CREATE SCHEMA ${schema}`);
        const sync = (await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
        const fsync = (await client.query('SHOW fsync')).rows[0].fsync;
        return `synchronous_commit=${sync}, fsync=${fsync}`;
      });
      const schemaUrl = new URL(url);
      schemaUrl.searchParams.set('options', `-c search_path=${schema}`);
      return {
        url,
        schema,
        schemaUrl: schemaUrl.toString(),
        durability,
        drop: async () => {
          await withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
        },
      };
    } catch {
      // Try the next candidate.
    }
  }
  return `no PostgreSQL answered at ${CANDIDATES.join(' or ')}`;
}

/** Spent refresh tokens per session that {@link settleTables} adds: see there. */
export const HISTORY_PER_SESSION = 100;

/**
 * Brings Baton's tables in `db` to a steady state before anything is measured: `perSession` spent
 * refresh tokens for every session, spread over the last 25 days, then ANALYZE. Baton keeps a spent
 * token for one refresh idle lifetime (30 days by default) to detect its reuse, so a user who
 * refreshes a few times a day has about a hundred of them. Returns the rows `refresh_tokens` holds.
 *
 * Without it the bench would measure a state no deployment is in. Its users are registered a
 * moment before the first round, so `refresh_tokens` would start at one row per session, a dozen
 * pages, and grow fifty-fold within a minute. PostgreSQL plans a prepared statement once per
 * connection (the generic plan, after five executions) and keeps that plan until the table is
 * analyzed again: planned on a dozen pages, the rotation and lookup statements read the table
 * whole, and go on doing so while it grows, until autovacuum's next ANALYZE (a minute apart at
 * most). Measured: 600-850 rows read per rotation in the first round, 2,400-3,800 by the third.
 */
export async function settleTables(db: BenchDatabase, perSession = HISTORY_PER_SESSION): Promise<number> {
  return withClient(db.schemaUrl, async (client) => {
    const hour = 3_600_000;
    // Digests shaped like Baton's (43 characters of base64url SHA-256), one per session and step.
    await client.query(
      `INSERT INTO refresh_tokens (token_hash, session_id, created_at, used_at, consumed_by)
       SELECT translate(rtrim(encode(sha256(convert_to(s.id || ':' || step, 'UTF8')), 'base64'), '='), '+/', '-_'),
              s.id, s.created_at - step * 6 * $2::bigint, s.created_at - step * 6 * $2::bigint + $2::bigint, 'bench history'
       FROM sessions s CROSS JOIN generate_series(1, $1::int) AS step`,
      [perSession, hour],
    );
    // Only the tables the measured statements read: the database may be shared with other schemas.
    await client.query('ANALYZE refresh_tokens, sessions, users');
    const { rows } = await client.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM refresh_tokens',
    );
    return rows[0]!.count;
  });
}

/**
 * The raw durable commit rate at `clients` concurrent connections: each loops on a one-row INSERT
 * in autocommit, so every statement is one commit that the server flushes to its WAL before it
 * answers (the server's own group commit lets concurrent commits share a flush, as they do for
 * Baton). The reference a rotation, one commit too, is compared with.
 */
export async function measureRawPgCommits(
  db: BenchDatabase,
  clients: number,
  seconds: number,
  meter?: Meter,
): Promise<number> {
  const table = `${db.schema}.raw_commits`;
  await withClient(db.url, (client) =>
    client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, token_hash text, at bigint)`,
    ),
  );
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      return client;
    }),
  );
  try {
    const step = async (loop: number) => {
      await connections[loop]!.query({
        name: 'raw_commit',
        text: `INSERT INTO ${table} (token_hash, at) VALUES ($1, $2)`,
        values: [randomBytes(32).toString('base64url'), Date.now()],
      });
      return true;
    };
    await loopFor(0.5, clients, step);
    meter?.begin();
    const { ok, perSecond } = await loopFor(seconds, clients, step);
    meter?.end(ok);
    return perSecond;
  } finally {
    await Promise.all(connections.map((client) => client.end().catch(() => {})));
  }
}
