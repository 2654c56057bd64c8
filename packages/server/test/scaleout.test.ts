import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { getJson, postJson, type ServerProcess, startServerProcess } from './support/serverProcess.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

describe('two server processes on one PostgreSQL database', { skip }, () => {
  let database: TestDatabase;
  let dataDir: string;
  let servers: ServerProcess[] = [];

  before(async () => {
    database = await requireTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-scaleout-'));
    const env = {
      BATON_DATABASE_URL: database.schemaUrl,
      BATON_SECRET: randomBytes(32).toString('base64url'),
      // Both instances are one issuer behind a load balancer.
      BATON_ISSUER: 'http://baton.test',
      BATON_DATA_DIR: dataDir,
      BATON_LOG_LEVEL: 'warn',
    };
    // Started at the same instant on an empty schema: migrations, the rotation secret and the
    // first signing key are all created concurrently by two processes.
    servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });

  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('50 concurrent refreshes of one token at both: one live family, every 2xx works, reuse still caught', async () => {
    const [a, b] = servers;
    assert.ok(a && b);
    const email = `scale.${process.pid}@example.com`;
    const registered = await postJson(`${a.url}/auth/register`, {
      email,
      password: 'correct horse battery staple',
    });
    assert.equal(registered.status, 201);
    const first = String(registered.body.refreshToken);

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        postJson(`${(index % 2 ? a : b).url}/auth/refresh`, { refreshToken: first }),
      ),
    );
    const ok = answers.filter((answer) => answer.status === 200);
    assert.equal(
      ok.length,
      50,
      `every request within the grace window succeeds: ${JSON.stringify(answers.find((x) => x.status !== 200))}`,
    );
    const successors = new Set(ok.map((answer) => answer.body.refreshToken));
    assert.equal(successors.size, 1, 'all answers carry the same successor: the family never forks');

    // Every access token handed out works on both instances.
    for (const answer of ok) {
      for (const server of servers) {
        const me = await getJson(`${server.url}/auth/me`, String(answer.body.accessToken));
        assert.equal(me.status, 200);
      }
    }
    const sessions = await getJson(`${b.url}/auth/sessions`, String(ok[0]?.body.accessToken));
    assert.equal((sessions.body as unknown[]).length, 1, 'exactly one session is live');

    // The successor rotates on either instance; walk the chain further than the grace window
    // follows, then present the very first token again: that is reuse, and ends the family.
    let current = String(ok[0]?.body.refreshToken);
    for (let step = 0; step < 9; step++) {
      const next = await postJson(`${servers[step % 2]?.url}/auth/refresh`, { refreshToken: current });
      assert.equal(next.status, 200);
      current = String(next.body.refreshToken);
    }
    const replay = await postJson(`${a.url}/auth/refresh`, { refreshToken: first });
    assert.equal(replay.status, 401);
    assert.equal(replay.body.code, 'refresh_token_reused');
    const afterReuse = await postJson(`${b.url}/auth/refresh`, { refreshToken: current });
    assert.equal(afterReuse.status, 401, 'the live end of the chain died with its family');
    assert.equal(afterReuse.body.code, 'session_revoked');
  });

  it('both instances publish the same signing key', async () => {
    const [a, b] = servers;
    const jwksA = await getJson(`${a?.url}/.well-known/jwks.json`);
    const jwksB = await getJson(`${b?.url}/.well-known/jwks.json`);
    assert.deepEqual(jwksA.body, jwksB.body);
  });
});
