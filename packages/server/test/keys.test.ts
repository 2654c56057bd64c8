import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createManualClock } from '../src/clock.js';
import { AccessTokenService } from '../src/tokens/access.js';
import { fileKeySource } from '../src/tokens/fileKeySource.js';
import { KeyRing } from '../src/tokens/keys.js';

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
});

describe('verified token cache', () => {
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
