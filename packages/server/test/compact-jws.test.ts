import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CryptoKey, compactVerify, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { JwsError, parseCompactJws, signCompactJws, verifyCompactJws } from '../src/tokens/compactJws.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../src/tokens/keys.js';
import { compactJws, signers } from './support/jws.js';

const SEED = Number(process.env.BATON_FUZZ_SEED ?? 20_261_201);
const RUNS = Number(process.env.BATON_FUZZ_RUNS ?? 200);

/** A key pair of `alg`: jose's CryptoKeys to sign, the public half also as a node:crypto key. */
async function keysFor(alg: SigningAlgorithm) {
  const pair = await generateKeyPair(alg, { extractable: true });
  const publicKey: KeyObject = createPublicKey({
    key: (await exportJWK(pair.publicKey)) as never,
    format: 'jwk',
  });
  return { ...pair, node: { alg, key: publicKey } };
}

/** Our verdict: the payload, or `refused`. Only a JwsError may refuse; anything else is a bug. */
function ours(token: string, key: { alg: SigningAlgorithm; key: KeyObject }): unknown {
  try {
    return verifyCompactJws(parseCompactJws(token), key);
  } catch (error) {
    if (error instanceof JwsError) return 'refused';
    throw error;
  }
}

/** jose's verdict on the same token with the same key and the key's one algorithm. */
async function jose(token: string, key: CryptoKey, alg: SigningAlgorithm): Promise<unknown> {
  try {
    const { payload, protectedHeader } = await compactVerify(token, key, { algorithms: [alg] });
    // jose accepts `crit`/`b64` it was told about; we were told about none, as jose here.
    if ('b64' in protectedHeader) return 'refused';
    const value: unknown = JSON.parse(new TextDecoder().decode(payload));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : 'refused';
  } catch {
    return 'refused';
  }
}

/** Character-level damage to a token: the ways a token goes wrong in transit or in an attacker's hands. */
const damage = (token: string) =>
  fc.oneof(
    fc
      .record({ at: fc.nat(token.length - 1), char: fc.constantFrom(...'AZaz09-_.=+/ %\u00e9') })
      .map(({ at, char }) => token.slice(0, at) + char + token.slice(at + 1)),
    fc.nat(token.length - 1).map((at) => token.slice(0, at) + token.slice(at + 1)),
    fc.nat(token.length).map((at) => token.slice(0, at)),
    fc.string({ maxLength: 8 }).map((tail) => token + tail),
  );

for (const alg of SIGNING_ALGORITHMS) {
  describe(`compact JWS verification agrees with jose (${alg})`, () => {
    it('a token it signs verifies with jose, with the key’s alg in the header', async () => {
      const keys = await keysFor(alg);
      const privateKey = createPrivateKey({
        key: (await exportJWK(keys.privateKey)) as never,
        format: 'jwk',
      });
      const token = await signCompactJws(
        { typ: 'at+jwt', kid: 'k' },
        { sub: 'u', n: 1 },
        { alg, key: privateKey },
      );
      const { payload, protectedHeader } = await compactVerify(token, keys.publicKey, { algorithms: [alg] });
      assert.deepEqual(protectedHeader, { alg, typ: 'at+jwt', kid: 'k' });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), { sub: 'u', n: 1 });
    });

    it('accepts what jose accepts and refuses what jose refuses, on genuine and damaged tokens', async () => {
      const keys = await keysFor(alg);
      const other = await keysFor(alg);
      const genuine = await new SignJWT({ sid: 's', scope: 'a b' })
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: 'k' })
        .setSubject('u')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(keys.privateKey);
      const foreign = await new SignJWT({ sid: 's' })
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: 'k' })
        .sign(other.privateKey);
      assert.notEqual(ours(genuine, keys.node), 'refused', 'the genuine token verifies');
      assert.equal(ours(foreign, keys.node), 'refused', 'another key’s signature does not');
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(damage(genuine), async (token) => {
          const verdict = ours(token, keys.node);
          assert.deepEqual(verdict, await jose(token, keys.publicKey, alg), token);
          if (verdict !== 'refused') accepted++;
        }),
        { numRuns: RUNS, seed: SEED },
      );
      // Some damage leaves the token valid (the spare bits of the signature's last character):
      // the property saw both verdicts.
      assert.ok(accepted < RUNS, 'some damaged tokens were refused');
    });
  });
}

describe('compact JWS: what Baton refuses whatever the signature', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = { alg: 'ES256' as const, key: publicKey };
  const signed = (header: unknown) => compactJws(header, { sub: 'u' }, signers.es256(privateKey));

  it('the control: a well-formed ES256 token with this key verifies', () => {
    assert.deepEqual(ours(signed({ alg: 'ES256' }), key), { sub: 'u' });
  });

  it('a header whose alg is not the key’s, with crit or b64, or not an object; not three parts', () => {
    for (const token of [
      signed({ alg: 'none' }),
      signed({ alg: 'HS256' }),
      signed({ alg: 'ES384' }),
      signed({ alg: 'ES256', crit: ['exp'], exp: 1 }),
      signed({ alg: 'ES256', b64: true, crit: ['b64'] }),
      signed({ alg: 'ES256', b64: true }),
      signed(['ES256']),
      signed('ES256'),
      'e30.e30',
      'e30..AAAA',
      '.e30.AAAA',
      'e30.e30.AA.AA',
    ]) {
      assert.equal(ours(token, key), 'refused', token);
    }
  });

  it('an ES256 signature in DER form (what a generic signer makes) is refused: JWS wants r||s', () => {
    const der = compactJws({ alg: 'ES256' }, { sub: 'u' }, (input) =>
      sign('sha256', Buffer.from(input), privateKey),
    );
    assert.equal(ours(der, key), 'refused');
  });
});
