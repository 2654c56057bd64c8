import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { createManualClock } from '../src/index.js';
import { registerUser, startServer, type TestServer } from './support/server.js';

const jwksOf = async (server: TestServer) =>
  (await server.request('GET', '/.well-known/jwks.json')).body.keys as Array<Record<string, unknown>>;

describe('access token algorithms', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const freshDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-alg-'));
    dirs.push(dir);
    return dir;
  };

  for (const [alg, kty] of [
    ['ES256', 'EC'],
    ['EdDSA', 'OKP'],
    ['RS256', 'RSA'],
  ] as const) {
    it(`signs with ${alg} when configured, publishes a ${kty} key, and verifies its own tokens`, async () => {
      const server = await startServer({ accessAlg: alg, dataDir: await freshDir() });
      try {
        const { accessToken } = await registerUser(server);
        assert.equal(decodeProtectedHeader(accessToken).alg, alg);
        const [key] = await jwksOf(server);
        assert.equal(key?.kty, kty);
        assert.equal(key?.alg, alg);
        if (alg === 'RS256') assert.equal(Buffer.from(String(key?.n), 'base64url').length * 8, 2048);
        assert.equal((await server.request('GET', '/auth/me', { token: accessToken })).status, 200);
      } finally {
        await server.stop();
      }
    });
  }

  it('an EdDSA deployment upgraded to ES256 rotates at start; its EdDSA tokens verify until they expire', async () => {
    const dataDir = await freshDir();
    const clock = createManualClock();
    const old = await startServer({ accessAlg: 'EdDSA', dataDir, clock });
    const user = await registerUser(old);
    const oldKid = decodeProtectedHeader(user.accessToken).kid;
    await old.stop();

    // The upgrade: same data, no BATON_ACCESS_ALG, so the new default.
    const upgraded = await startServer({ dataDir, clock });
    try {
      const fresh = await registerUser(upgraded);
      assert.equal(decodeProtectedHeader(fresh.accessToken).alg, 'ES256');
      assert.notEqual(decodeProtectedHeader(fresh.accessToken).kid, oldKid);
      assert.deepEqual(
        (await jwksOf(upgraded)).map((key) => key.alg),
        ['ES256', 'EdDSA'],
        'the retired EdDSA key is still published',
      );
      assert.equal((await upgraded.request('GET', '/auth/me', { token: user.accessToken })).status, 200);
      clock.advance(299_000);
      assert.equal((await upgraded.request('GET', '/auth/me', { token: user.accessToken })).status, 200);
      clock.advance(62_000);
      assert.deepEqual(
        (await jwksOf(upgraded)).map((key) => key.alg),
        ['ES256'],
        'gone from the JWKS once its last token expired (TTL + 60 s)',
      );
    } finally {
      await upgraded.stop();
    }
    // A restart with the same setting does not rotate again.
    const again = await startServer({ dataDir, clock });
    try {
      assert.equal((await jwksOf(again)).length, 1);
    } finally {
      await again.stop();
    }
  });
});
