import assert from 'node:assert/strict';
import { hkdfSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { hkdfSha256 } from '../src/tokens/hkdf.js';

describe('hkdfSha256', () => {
  it('gives the first 32 bytes of RFC 5869 test case 1', () => {
    const ikm = Buffer.alloc(22, 0x0b);
    const salt = Buffer.from('000102030405060708090a0b0c', 'hex');
    const info = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex');
    // OKM of A.1 (L = 42), cut to the 32 bytes of one block.
    const okm = '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf';
    assert.equal(hkdfSha256(ikm, salt, info).toString('hex'), okm);
  });

  it('derives the same key as node:crypto hkdfSync, so boxes sealed before it still open', () => {
    for (let i = 0; i < 50; i++) {
      const ikm = `brt_${randomBytes(32).toString('base64url')}`;
      const expected = Buffer.from(hkdfSync('sha256', ikm, 'baton', 'baton grace successor v1', 32));
      assert.deepEqual(hkdfSha256(ikm, 'baton', 'baton grace successor v1'), expected);
    }
  });
});
