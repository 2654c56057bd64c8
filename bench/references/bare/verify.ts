/**
 * The least a JWT check can do with `node:crypto`: split, verify the signature, read `exp` and
 * `sub`. No header checks, no cache: the reference Baton's full check (alg, typ, iss, aud, session)
 * is measured against.
 */
import { createPublicKey, type JsonWebKey, verify } from 'node:crypto';

export type BareAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

/** A function that says whether an `Authorization` header carries a valid, unexpired token. */
export function jwtVerifier(
  alg: BareAlgorithm,
  publicJwk: JsonWebKey,
): (header: string | undefined) => boolean {
  const key = createPublicKey({ key: publicJwk, format: 'jwk' });
  // ES256 signatures are the raw r||s pair (JWS), not DER.
  const keyInput = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  const digest = alg === 'EdDSA' ? null : 'sha256';
  return (header) => {
    if (!header?.startsWith('Bearer ')) return false;
    const token = header.slice(7);
    const firstDot = token.indexOf('.');
    const lastDot = token.lastIndexOf('.');
    if (firstDot < 0 || lastDot === firstDot) return false;
    const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
    if (!verify(digest, Buffer.from(token.slice(0, lastDot)), keyInput, signature)) return false;
    try {
      const claims = JSON.parse(
        Buffer.from(token.slice(firstDot + 1, lastDot), 'base64url').toString('utf8'),
      );
      return (
        typeof claims.exp === 'number' && claims.exp * 1000 > Date.now() && typeof claims.sub === 'string'
      );
    } catch {
      return false;
    }
  };
}
