import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A fresh PostgreSQL schema for one test file: created on the shared test database and dropped
 * afterwards, so runs (and CI jobs) never see each other's rows.
 */
export interface TestDatabase {
  /** The server's URL, without the schema. */
  readonly url: string;
  readonly schema: string;
  /** A URL that selects the schema through `options=-c search_path=...`, for child processes. */
  readonly schemaUrl: string;
  drop(): Promise<void>;
}

const CANDIDATES = process.env.BATON_TEST_DATABASE_URL
  ? [process.env.BATON_TEST_DATABASE_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

let probed: Promise<string | undefined> | undefined;

/** The first reachable test database URL, probed once per process with a short timeout. */
export function findTestDatabase(): Promise<string | undefined> {
  probed ??= (async () => {
    for (const url of CANDIDATES) {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return url;
      } catch {
        // Try the next candidate.
      } finally {
        await client.end().catch(() => {});
      }
    }
    return undefined;
  })();
  return probed;
}

/** Why a PostgreSQL test is skipped, for `t.skip()`; printed as `skipped: ...`. */
export const NO_POSTGRES = `no PostgreSQL at ${CANDIDATES.join(' or ')}`;

/**
 * {@link createTestDatabase} for a suite that already checked PostgreSQL answers (its `skip`):
 * throws when it went away since.
 */
export async function requireTestDatabase(): Promise<TestDatabase> {
  const created = await createTestDatabase();
  if (!created) throw new Error('PostgreSQL went away');
  return created;
}

/** Creates `baton_test_<pid>_<random>` on the test database, or `undefined` when none is reachable. */
export async function createTestDatabase(): Promise<TestDatabase | undefined> {
  const url = await findTestDatabase();
  if (!url) return undefined;
  const schema = `baton_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE SCHEMA ${schema}`);
  const schemaUrl = new URL(url);
  schemaUrl.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url,
    schema,
    schemaUrl: schemaUrl.toString(),
    drop: () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}
