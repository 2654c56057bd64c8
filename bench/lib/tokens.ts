import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';

/** The signing algorithms Baton offers (`BATON_ACCESS_ALG`), each with a bare reference. */
export type Algorithm = 'ES256' | 'EdDSA' | 'RS256';
export const ALGORITHMS: readonly Algorithm[] = ['ES256', 'EdDSA', 'RS256'];

function keyPair(alg: Algorithm): { publicKey: KeyObject; privateKey: KeyObject } {
  if (alg === 'EdDSA') return generateKeyPairSync('ed25519');
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

/**
 * A key pair and a JWT of Baton's shape signed with it, for the bare `node:http` reference that
 * verifies `alg` on every request.
 */
export function mintToken(alg: Algorithm): { publicJwk: string; token: string } {
  const { publicKey, privateKey } = keyPair(alg);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${encode({ alg, typ: 'at+jwt', kid: 'bench' })}.${encode({
    iss: 'bench',
    aud: 'bench',
    sub: randomUUID(),
    sid: randomUUID(),
    iat: now,
    exp: now + 3600,
    jti: randomUUID(),
  })}`;
  const data = Buffer.from(signingInput);
  const signature =
    alg === 'EdDSA'
      ? sign(null, data, privateKey)
      : alg === 'ES256'
        ? sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', data, privateKey);
  return {
    publicJwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
    token: `${signingInput}.${signature.toString('base64url')}`,
  };
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The spellings of `token` that differ only in the unused low bits of the signature's last
 * base64url character (64-byte ES256/EdDSA and 256-byte RS256 signatures both leave 4 spare
 * bits: 16 spellings). They decode to the same bytes, so a server accepts them all, yet each is a
 * distinct string to a cache keyed by the token text: a way to make every request pay a full
 * signature check.
 */
export function signatureSpellings(token: string): string[] {
  const last = token.at(-1)!;
  const value = BASE64URL.indexOf(last);
  const head = token.slice(0, -1);
  return Array.from({ length: 16 }, (_, spare) => `${head}${BASE64URL[(value & ~0xf) | spare]}`);
}

/** Writes tokens one a line, for wrk's script. */
export function writeTokens(path: string, tokens: readonly string[]): string {
  writeFileSync(path, `${tokens.join('\n')}\n`);
  return path;
}
