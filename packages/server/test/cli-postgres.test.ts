import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createPostgresStore } from '../src/store/postgres/index.js';
import { baton, describeAdministration } from './support/cli.js';
import { createTestDatabase, findTestDatabase, NO_POSTGRES, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { startServer } from './support/server.js';

const postgres = await findTestDatabase();
const skip = needs(postgres !== undefined, NO_POSTGRES);

describe('baton on PostgreSQL', { skip }, () => {
  let database: TestDatabase | undefined;
  const secret = randomBytes(32).toString('base64url');
  describeAdministration('PostgreSQL', async () => {
    database = await createTestDatabase();
    if (!database) throw new Error('PostgreSQL went away');
    const db = database;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-cli-pg-'));
    const store = createPostgresStore({ connectionString: db.schemaUrl });
    return {
      env: { BATON_DATABASE_URL: db.schemaUrl, BATON_SECRET: secret, BATON_DATA_DIR: dataDir },
      server: () => startServer({ dataDir, store, databaseUrl: db.schemaUrl, secret }),
      async done() {
        await store.close();
        await db.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  });

  describe('baton on PostgreSQL without BATON_SECRET', () => {
    it('refuses to start and says what to set', async () => {
      const run = await baton(['keys', 'list'], { BATON_DATABASE_URL: String(postgres) });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /BATON_SECRET/);
    });
  });
});
