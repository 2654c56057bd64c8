import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedTokenCache } from '../src/tokens/verifiedCache.js';

describe('the verified-token cache', () => {
  const signature = 'MEUCIQDx1mHnDRw3pW3Sgm0Q7xV9yZrj0s8yUxq7B6S2gFvV1AIgU5o9';
  const genuine = `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.${signature}`;
  const forged = `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.${signature}`;

  it('answers only for the exact token it stored, not for another one ending in the same signature', () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set(genuine, 'alice', 2000);
    assert.equal(cache.get(genuine, 1000), 'alice');
    assert.equal(cache.get(forged, 1000), undefined);
    assert.equal(cache.get(genuine.slice(1), 1000), undefined, 'nor for a part of it');
  });

  it('forgets a token at its expiry', () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set(genuine, 'alice', 2000);
    assert.equal(cache.get(genuine, 1999), 'alice');
    assert.equal(cache.get(genuine, 2000), undefined);
    assert.equal(cache.size, 0);
  });

  it('keeps at most its capacity, dropping the oldest first', () => {
    const cache = new VerifiedTokenCache<number>(100);
    const tokens = Array.from({ length: 150 }, (_, index) => `header.payload-${index}.signature-${index}`);
    for (const [index, token] of tokens.entries()) cache.set(token, index, 5000);
    assert.ok(cache.size <= 100);
    assert.equal(cache.get(tokens[0]!, 1000), undefined);
    assert.equal(cache.get(tokens[149]!, 1000), 149);
  });

  it('a token that shares another one’s key replaces it, and both still answer right', () => {
    const cache = new VerifiedTokenCache<string>(10);
    cache.set(genuine, 'alice', 2000);
    cache.set(forged, 'mallory', 2000);
    assert.equal(cache.get(forged, 1000), 'mallory');
    assert.equal(cache.get(genuine, 1000), undefined, 'verified again, never answered with mallory');
  });
});
