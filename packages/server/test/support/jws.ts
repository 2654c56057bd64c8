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

/** Ed25519 (`EdDSA`), P-256 (`ES256`, raw r||s as JWS wants), RSA (`RS256`) or no signature at all. */
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
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK exactly as stored (and published in the JWKS). */
  readonly publicJwk: Record<string, unknown>;
}

/** Loads the active key from `signing-keys.json` in a server's data directory. */
export async function loadServerKey(dataDir: string): Promise<ServerSigningKey> {
  const keys = JSON.parse(await readFile(path.join(dataDir, 'signing-keys.json'), 'utf8')) as Array<{
    kid: string;
    privateJwk: Record<string, unknown>;
    publicJwk: Record<string, unknown>;
  }>;
  const active = keys[0];
  if (!active) throw new Error('no signing key in the data directory');
  return {
    kid: active.kid,
    privateKey: createPrivateKey({ key: active.privateJwk as never, format: 'jwk' }),
    publicKey: createPublicKey({ key: active.publicJwk as never, format: 'jwk' }),
    publicJwk: active.publicJwk,
  };
}

/**
 * True when `token` carries a valid Ed25519 signature by `key` over its own first two parts:
 * such a token was made with the server's key and is no forgery, whatever it says.
 */
export function signedBy(token: string, key: KeyObject): boolean {
  const [header, payload, signature, ...rest] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined || rest.length > 0) {
    return false;
  }
  const bytes = Buffer.from(signature, 'base64url');
  return bytes.length === 64 && verify(null, Buffer.from(`${header}.${payload}`), key, bytes);
}
