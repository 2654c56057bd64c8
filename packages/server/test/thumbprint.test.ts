import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { generateStoredKey, SIGNING_ALGORITHMS } from '../src/tokens/keys.js';
import { jwkThumbprint } from '../src/tokens/thumbprint.js';

describe('RFC 7638 thumbprints (the kid of every signing key)', () => {
  it('the example of RFC 7638 §3.1 hashes to the thumbprint the RFC gives', () => {
    const example = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    assert.equal(jwkThumbprint(example), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('every key Baton generates gets the kid jose computes for its public JWK', async () => {
    for (const alg of SIGNING_ALGORITHMS) {
      const key = await generateStoredKey(alg, 0);
      const { kid: _kid, alg: _alg, use: _use, ...publicJwk } = key.publicJwk;
      assert.equal(key.kid, await calculateJwkThumbprint(publicJwk as never), alg);
      assert.equal(key.publicJwk.d, undefined, 'the public JWK has no private member');
    }
  });

  it('a JWK without its required members has no thumbprint', () => {
    assert.throws(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'AA' }), /no y/);
    assert.throws(() => jwkThumbprint({ kty: 'oct', k: 'AA' }), /key type oct/);
  });
});
