import { randomBytes } from 'node:crypto';
import pg from 'pg';
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
    return (await loopFor(seconds, clients, step)).perSecond;
  } finally {
    await Promise.all(connections.map((client) => client.end().catch(() => {})));
  }
}
