import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createManualClock, createServer, optionsFromEnv } from '../src/index.js';
import { createPostgresStore } from '../src/store/postgres/index.js';
import type { Store } from '../src/store/store.js';
import { createSecretBox, SecretBoxError } from '../src/tokens/secretBox.js';
import { findTestDatabase, NO_POSTGRES, requireTestDatabase, type TestDatabase } from './support/postgres.js';
import { needs } from './support/runtime.js';
import { GOOD_PASSWORD, uniqueEmail } from './support/server.js';

const skip = needs((await findTestDatabase()) !== undefined, NO_POSTGRES);

describe('signing keys shared through PostgreSQL', { skip }, () => {
  let database: TestDatabase;
  let dataDir: string;
  const stores: Store[] = [];
  const secret = randomBytes(32).toString('base64url');

  before(async () => {
    database = await requireTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'baton-keys-'));
  });
  after(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** An instance of its own (own pool, own key ring), as on another machine. */
  const instance = async (
    clock = createManualClock(),
    instanceSecret = secret,
    accessAlg: 'ES256' | 'EdDSA' | 'RS256' = 'ES256',
  ) => {
    const store = createPostgresStore({ connectionString: database.schemaUrl });
    stores.push(store);
    return createServer({
      store,
      databaseUrl: database.schemaUrl,
      secret: instanceSecret,
      dataDir,
      clock,
      issuer: 'http://baton.test',
      logLevel: false,
      accessAlg,
    });
  };

  it('an instance without an explicit issuer warns that other instances would refuse its tokens', async () => {
    const lines: string[] = [];
    const store = createPostgresStore({ connectionString: database.schemaUrl });
    stores.push(store);
    const app = await createServer({
      store,
      databaseUrl: database.schemaUrl,
      secret,
      dataDir,
      logLevel: 'warn',
      logStream: { write: (line) => void lines.push(line) },
    });
    await app.close();
    assert.ok(
      lines.some((line) => line.includes('BATON_ISSUER is not set')),
      `a warning about the issuer: ${lines.join('')}`,
    );
    const quiet: string[] = [];
    const configured = await createServer({
      store,
      databaseUrl: database.schemaUrl,
      secret,
      dataDir,
      issuer: 'http://baton.test',
      logLevel: 'warn',
      logStream: { write: (line) => void quiet.push(line) },
    });
    await configured.close();
    assert.ok(!quiet.some((line) => line.includes('BATON_ISSUER')), 'no warning with an issuer');
  });

  it('a key rotated on one instance verifies on the other at once, and old tokens keep working on both', async () => {
    const clock = createManualClock();
    const [a, b] = await Promise.all([instance(clock), instance(clock)]);
    try {
      assert.deepEqual(a.baton.keys.jwks(), b.baton.keys.jwks(), 'both start with the one elected key');
      const email = uniqueEmail('keys');
      const registered = await a.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email, password: GOOD_PASSWORD },
      });
      const oldToken = registered.json().accessToken as string;

      const rotated = await a.baton.keys.rotate();
      const login = await a.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email, password: GOOD_PASSWORD },
      });
      const newToken = login.json().accessToken as string;
      assert.equal(
        JSON.parse(Buffer.from(newToken.split('.')[0] ?? '', 'base64url').toString()).kid,
        rotated.kid,
      );

      // B has not reloaded yet: the unknown kid makes it re-read the keys, once.
      for (const token of [newToken, oldToken]) {
        for (const app of [a, b]) {
          const me = await app.inject({
            method: 'GET',
            url: '/auth/me',
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(me.statusCode, 200);
        }
      }
      const published = (b.baton.keys.jwks().keys as Array<{ kid?: string }>).map((key) => key.kid);
      assert.equal(published.length, 2, 'old and new keys are both published');
      assert.ok(published.includes(rotated.kid));

      // Once every token of the old key has expired, it leaves the JWKS.
      clock.advance((300 + 61) * 1000);
      const later = (b.baton.keys.jwks().keys as Array<{ kid?: string }>).map((key) => key.kid);
      assert.deepEqual(later, [rotated.kid]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('an instance started with another algorithm rotates the shared key; the old instance verifies both', async () => {
    const clock = createManualClock();
    const old = await instance(clock);
    const header = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
    const signIn = async (app: typeof old) => {
      const email = uniqueEmail('alg');
      const answer = await app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { email, password: GOOD_PASSWORD },
      });
      return answer.json().accessToken as string;
    };
    const before = await signIn(old);
    assert.equal(header(before).alg, 'ES256');
    const upgraded = await instance(clock, secret, 'EdDSA');
    try {
      const after = await signIn(upgraded);
      assert.equal(header(after).alg, 'EdDSA');
      const algs = (upgraded.baton.keys.jwks().keys as Array<{ alg?: string }>).map((key) => key.alg);
      assert.deepEqual(algs.slice(0, 2), ['EdDSA', 'ES256'], 'the ES256 key stays published');
      for (const token of [before, after]) {
        for (const app of [old, upgraded]) {
          const me = await app.inject({
            method: 'GET',
            url: '/auth/me',
            headers: { authorization: `Bearer ${token}` },
          });
          assert.equal(me.statusCode, 200, `${header(token).alg} on ${app === old ? 'old' : 'upgraded'}`);
        }
      }
    } finally {
      await Promise.all([old.close(), upgraded.close()]);
    }
  });

  it('keeps private keys sealed in the database, and an instance with another secret cannot open them', async () => {
    // An instance of its own first, so the keys exist whatever ran before (or alone).
    const app = await instance();
    await app.close();
    const rows = await stores.at(-1)?.listSigningKeys();
    assert.ok(rows && rows.length > 0);
    for (const row of rows) {
      assert.match(row.privateKey, /^v1\./);
      assert.doesNotMatch(row.privateKey, /"d"/, 'no private JWK in clear text');
    }
    await assert.rejects(
      instance(createManualClock(), randomBytes(32).toString('base64url')),
      /BATON_SECRET/,
    );
  });

  // Last in this suite: it leaves the keys sealed with another secret.
  it('a new BATON_SECRET after deleting signing_keys: a fresh key, earlier access tokens refused, refresh tokens still good', async () => {
    const clock = createManualClock();
    const old = await instance(clock);
    const registered = await old.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: uniqueEmail('resecret'), password: GOOD_PASSWORD },
    });
    const { accessToken, refreshToken } = registered.json() as { accessToken: string; refreshToken: string };
    const oldKids = (old.baton.keys.jwks().keys as Array<{ kid?: string }>).map((key) => key.kid);
    await old.close();

    // The runbook's step, as an operator would take it.
    const client = new pg.Client({ connectionString: database.schemaUrl });
    await client.connect();
    try {
      await client.query('DELETE FROM signing_keys');
    } finally {
      await client.end();
    }

    const renewed = await instance(clock, randomBytes(32).toString('base64url'));
    try {
      const kids = (renewed.baton.keys.jwks().keys as Array<{ kid?: string }>).map((key) => key.kid);
      assert.equal(kids.length, 1, 'one fresh key');
      assert.ok(!oldKids.includes(kids[0]), 'not one of the deleted keys');
      const me = (token: string) =>
        renewed.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${token}` } });
      assert.equal((await me(accessToken)).statusCode, 401, 'an access token of the old key fails');
      const refreshed = await renewed.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refreshToken },
      });
      assert.equal(refreshed.statusCode, 200, 'the session outlives the secret');
      assert.equal((await me(refreshed.json().accessToken as string)).statusCode, 200);
    } finally {
      await renewed.close();
    }
  });
});

describe('secret box and scale-out settings', () => {
  it('opens only with the same secret and the same context, and detects tampering', () => {
    const box = createSecretBox('a'.repeat(32));
    const sealed = box.seal('{"d":"private"}', 'kid-1');
    assert.equal(box.open(sealed, 'kid-1'), '{"d":"private"}');
    assert.notEqual(box.seal('{"d":"private"}', 'kid-1'), sealed, 'a fresh IV each time');
    assert.throws(() => box.open(sealed, 'kid-2'), SecretBoxError);
    assert.throws(() => createSecretBox('b'.repeat(32)).open(sealed, 'kid-1'), SecretBoxError);
    const [version, iv, body, tag] = sealed.split('.');
    const flipped = `${body?.[0] === 'A' ? 'B' : 'A'}${body?.slice(1)}`;
    assert.throws(() => box.open([version, iv, flipped, tag].join('.'), 'kid-1'), SecretBoxError);
    assert.throws(() => box.open('garbage', 'kid-1'), SecretBoxError);
  });

  it('refuses PostgreSQL without BATON_SECRET or BATON_KEYS_FILE, a short secret and a non-redis URL', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/test';
    assert.throws(() => optionsFromEnv({ BATON_DATABASE_URL: url }), { setting: 'BATON_SECRET' });
    assert.throws(() => optionsFromEnv({ BATON_DATABASE_URL: url, BATON_SECRET: 'short' }), {
      setting: 'BATON_SECRET',
    });
    assert.ok(optionsFromEnv({ BATON_DATABASE_URL: url, BATON_KEYS_FILE: '/run/secrets/keys.json' }));
    assert.throws(() => optionsFromEnv({ BATON_REDIS_URL: 'http://x' }), { setting: 'BATON_REDIS_URL' });
    const options = optionsFromEnv({
      BATON_REDIS_URL: 'redis://127.0.0.1:6379',
      BATON_SECRET: 'x'.repeat(32),
    });
    assert.equal(options.redisUrl, 'redis://127.0.0.1:6379');
  });
});
