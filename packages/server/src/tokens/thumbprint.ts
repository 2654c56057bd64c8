import { createHash } from 'node:crypto';
import type { JWK } from './keys.js';

/** The members of each key type that RFC 7638 §3.2 hashes, in lexicographic order. */
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK, base64url: the JSON of its required members
 * only, in lexicographic order and without white space, hashed. Baton uses it as the key's `kid`.
 */
export function jwkThumbprint(jwk: JWK): string {
  const members = typeof jwk.kty === 'string' ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (!members) throw new Error(`no thumbprint for key type ${String(jwk.kty)}`);
  const required: Record<string, unknown> = {};
  for (const member of members) {
    if (typeof jwk[member] !== 'string') throw new Error(`the JWK has no ${member}`);
    required[member] = jwk[member];
  }
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}
