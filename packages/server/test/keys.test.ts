import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { createManualClock } from '../src/clock.js';
import { AccessTokenService } from '../src/tokens/access.js';
import { fileKeySource } from '../src/tokens/fileKeySource.js';
import { KeyRing } from '../src/tokens/keys.js';
import { registerUser, startServer } from './support/server.js';

describe('signing keys', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'baton-keys-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('rotation keeps old tokens verifying until they expire, then unpublishes the old key', async () => {
    const clock = createManualClock();
    const ring = await KeyRing.open(fileKeySource(dir), { clock, publishFor: 360 });
    const service = new AccessTokenService({
      keys: ring,
      issuer: 'i',
      audience: 'a',
      ttl: 300,
      clock,
      cacheSize: 0,
    });
    const before = await service.sign({ userId: 'u', sessionId: 's' });
    const oldKid = ring.active.kid;
    await ring.rotate();
    assert.notEqual(ring.active.kid, oldKid);
    const afterRotation = await service.sign({ userId: 'u', sessionId: 's' });
    assert.equal((await service.verify(before)).sub, 'u', 'old token still verifies');
    assert.equal((await service.verify(afterRotation)).sub, 'u');
    assert.equal(ring.jwks().keys.length, 2, 'both keys published');
    const reopened = await KeyRing.open(fileKeySource(dir), { clock, publishFor: 360 });
    assert.equal(reopened.active.kid, ring.active.kid, 'the rotation persisted');
    clock.advance(361_000);
    assert.deepEqual(
      ring.jwks().keys.map((key) => key.kid),
      [ring.active.kid],
    );
    await assert.rejects(service.verify(before), { code: 'invalid_token' });
  });

  it('a ring re-reads its source every 30 s, so a rotation by another instance arrives without an unknown kid', async (t) => {
    const shared = await mkdtemp(path.join(os.tmpdir(), 'baton-keys-shared-'));
    t.after(() => rm(shared, { recursive: true, force: true }));
    const clock = createManualClock();
    const file = fileKeySource(shared);
    let reads = 0;
    const counted = {
      list: () => {
        reads++;
        return file.list();
      },
      add: file.add,
    };
    const here = await KeyRing.open(counted, { clock, publishFor: 360 });
    const elsewhere = await KeyRing.open(fileKeySource(shared), { clock, publishFor: 360 });
    const rotated = await elsewhere.rotate();
    // Only the interval is simulated: the re-read itself goes to the real file.
    mock.timers.enable({ apis: ['setInterval'] });
    t.after(() => mock.timers.reset());
    reads = 0;
    t.after(here.reloadEvery());
    mock.timers.tick(29_999);
    assert.equal(reads, 0, 'no re-read before 30 s');
    mock.timers.tick(1);
    assert.equal(reads, 1, 'one re-read at 30 s');
    // The re-read is file I/O: let it finish (a bounded number of event-loop turns).
    for (let turn = 0; turn < 10_000 && here.active.kid !== rotated.kid; turn++)
      await new Promise((resolve) => setImmediate(resolve));
    assert.equal(here.active.kid, rotated.kid, 'the rotation made elsewhere arrived');
  });
});

describe('the published JWKS', () => {
  it('is public and cacheable for 60 s', async (t) => {
    const server = await startServer();
    t.after(() => server.close());
    const response = await fetch(new URL('/.well-known/jwks.json', server.url));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=60');
    const { keys } = (await response.json()) as { keys: Array<{ kid?: string; d?: string }> };
    assert.ok(keys.length > 0 && keys.every((key) => typeof key.kid === 'string' && key.d === undefined));
  });
});

describe('verified token cache', () => {
  it('BATON_TOKEN_CACHE=0 (tokenCache: 0) checks every request in full; by default a verified token is remembered', async () => {
    for (const [tokenCache, remembered] of [
      [undefined, true],
      [0, false],
    ] as const) {
      const server = await startServer(tokenCache === undefined ? {} : { tokenCache });
      try {
        const { accessToken } = await registerUser(server);
        assert.equal((await server.request('GET', '/auth/me', { token: accessToken })).status, 200);
        const cached = server.app.baton.accessTokens.cached(accessToken);
        assert.equal(cached !== undefined, remembered, `tokenCache ${tokenCache}`);
      } finally {
        await server.close();
      }
    }
  });

  it('answers a cached token only until its own expiry, and never a modified token', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'baton-cache-'));
    try {
      const clock = createManualClock();
      const ring = await KeyRing.open(fileKeySource(dir), { clock, publishFor: 360 });
      const service = new AccessTokenService({
        keys: ring,
        issuer: 'i',
        audience: 'a',
        ttl: 60,
        clock,
        cacheSize: 2,
      });
      const token = await service.sign({ userId: 'u', sessionId: 's' });
      await service.verify(token);
      // Flip a character in the middle of the signature: its last character carries only 2 bits.
      const at = token.length - 20;
      const tampered = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
      await assert.rejects(service.verify(tampered), { code: 'invalid_token' });
      clock.advance(59_000);
      assert.equal((await service.verify(token)).sub, 'u');
      clock.advance(1_000);
      await assert.rejects(service.verify(token), { code: 'token_expired' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
