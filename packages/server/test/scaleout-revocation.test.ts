import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createManualClock, createServer } from '../src/index.js';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { GOOD_PASSWORD, uniqueEmail } from './support/server.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

/** docs/deploy.md: "a revocation made on another instance is enforced by this one within a second". */
describe('a revocation made on one instance, seen by another', { skip }, () => {
  let database: TestDatabase;
  let dataDir: string;
  const clock = createManualClock();
  const apps: Awaited<ReturnType<typeof createServer>>[] = [];

  before(async () => {
    database = await requireTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-revocation-'));
    const options = {
      dataDir,
      clock,
      databaseUrl: database.schemaUrl,
      secret: randomBytes(32).toString('base64url'),
      issuer: 'http://baton.test',
      logLevel: false as const,
    };
    apps.push(await createServer(options));
    apps.push(await createServer(options));
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is enforced by the other instance within one second', async () => {
    const [a, b] = apps;
    assert.ok(a && b);
    const registered = await a.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: uniqueEmail('revoke'), password: GOOD_PASSWORD },
    });
    const { accessToken, refreshToken } = registered.json();
    const todos = (app: typeof a) =>
      app.inject({ method: 'GET', url: '/todos', headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal((await todos(b)).statusCode, 200, 'B has seen the session live');
    assert.equal(
      (await a.inject({ method: 'POST', url: '/auth/logout', payload: { refreshToken } })).statusCode,
      204,
    );
    assert.equal((await todos(a)).statusCode, 401, 'at once on the instance that revoked it');
    clock.advance(1000);
    assert.equal((await todos(b)).statusCode, 401, 'within a second on the other');
  });
});
