import { createHmac, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** base64url of text, bytes or a JSON value (objects and arrays are JSON-encoded first). */
export function b64u(value: unknown): string {
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64url');
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Produces the signature bytes of a JWS signing input. */
export type Signer = (signingInput: string) => Buffer;

/** Ed25519 (`EdDSA`), P-256 (`ES256`, raw r||s as JWS wants), RSA (`RS256`), HMAC or no signature at all. */
export const signers = {
  eddsa:
    (key: KeyObject): Signer =>
    (input) =>
      sign(null, Buffer.from(input), key),
  es256:
    (key: KeyObject): Signer =>
    (input) =>
      sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }),
  rs256:
    (key: KeyObject): Signer =>
    (input) =>
      sign('sha256', Buffer.from(input), key),
  hmac:
    (hash: 'sha256' | 'sha384' | 'sha512', secret: Buffer | string): Signer =>
    (input) =>
      createHmac(hash, secret).update(input).digest(),
  none: (): Signer => () => Buffer.alloc(0),
} as const;

/** The JWS algorithms Baton signs with (the server's `SigningAlgorithm`). */
export type ServerAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

/** The signer for `alg` with `key`: what the server itself would produce with that key. */
export function signerFor(alg: ServerAlgorithm, key: KeyObject): Signer {
  if (alg === 'EdDSA') return signers.eddsa(key);
  return alg === 'ES256' ? signers.es256(key) : signers.rs256(key);
}

/**
 * Encodes a compact JWS from parts given as objects or as exact text, so a test controls every
 * byte: headers with duplicate keys or odd types, payloads that are not JSON, any signature.
 */
export function compactJws(header: unknown, payload: unknown, signer: Signer): string {
  const signingInput = `${b64u(header)}.${b64u(payload)}`;
  return `${signingInput}.${b64u(signer(signingInput))}`;
}

/** The server's own signing key, read the way an operator (or an attacker with the file) would. */
export interface ServerSigningKey {
  readonly kid: string;
  readonly alg: ServerAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK exactly as stored (and published in the JWKS). */
  readonly publicJwk: Record<string, unknown>;
}

/** Loads the active key from `signing-keys.json` in a server's data directory. */
export async function loadServerKey(dataDir: string): Promise<ServerSigningKey> {
  const keys = JSON.parse(await readFile(path.join(dataDir, 'signing-keys.json'), 'utf8')) as Array<{
    kid: string;
    alg: ServerAlgorithm;
    privateJwk: Record<string, unknown>;
    publicJwk: Record<string, unknown>;
  }>;
  const active = keys[0];
  if (!active) throw new Error('no signing key in the data directory');
  return {
    kid: active.kid,
    alg: active.alg,
    privateKey: createPrivateKey({ key: active.privateJwk as never, format: 'jwk' }),
    publicKey: createPublicKey({ key: active.publicJwk as never, format: 'jwk' }),
    publicJwk: active.publicJwk,
  };
}

/**
 * True when `token` carries a valid signature by the server key (in its algorithm) over its own
 * first two parts: such a token was made with the server's key and is no forgery, whatever it says.
 */
export function signedBy(token: string, key: Pick<ServerSigningKey, 'alg' | 'publicKey'>): boolean {
  const [header, payload, signature, ...rest] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) {
    return false;
  }
  const bytes = Buffer.from(signature, 'base64url');
  const input = Buffer.from(`${header}.${payload}`);
  if (key.alg === 'EdDSA') return bytes.length === 64 && verify(null, input, key.publicKey, bytes);
  if (key.alg === 'ES256') {
    return (
      bytes.length === 64 && verify('sha256', input, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, bytes)
    );
  }
  return verify('sha256', input, key.publicKey, bytes);
}

/**
 * Every form in which a verifier confused about `alg` might use the server's public key as an
 * HMAC secret: the JWK text (as published and in RFC 7638 member order), the raw key bytes
 * (Ed25519 `x`; the uncompressed P-256 point; the RSA modulus), their base64url text, SPKI PEM
 * and DER, and for RSA the PKCS#1 PEM that the classic RS256/HS256 attack used.
 */
export function publicKeyForms(
  key: Pick<ServerSigningKey, 'publicJwk' | 'publicKey'>,
): Record<string, Buffer | string> {
  const jwk = key.publicJwk;
  const bytes = (member: unknown) => Buffer.from(String(member), 'base64url');
  const thumbprintMembers: Record<string, readonly string[]> = {
    OKP: ['crv', 'kty', 'x'],
    EC: ['crv', 'kty', 'x', 'y'],
    RSA: ['e', 'kty', 'n'],
  };
  const members = thumbprintMembers[String(jwk.kty)] ?? [];
  const raw =
    jwk.kty === 'EC'
      ? Buffer.concat([Buffer.from([4]), bytes(jwk.x), bytes(jwk.y)])
      : bytes(jwk.kty === 'RSA' ? jwk.n : jwk.x);
  const forms: Record<string, Buffer | string> = {
    'JWK JSON text': JSON.stringify(jwk),
    'JWK JSON in thumbprint order': JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]]))),
    'raw key bytes': raw,
    'raw key as base64url text': raw.toString('base64url'),
    'SPKI PEM': key.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    'SPKI DER': key.publicKey.export({ format: 'der', type: 'spki' }),
  };
  if (jwk.kty === 'RSA')
    forms['PKCS#1 PEM'] = key.publicKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  return forms;
}
