import { type KeyObject, sign, verify } from 'node:crypto';
import { promisify } from 'node:util';
import type { SigningAlgorithm } from './keys.js';

/** Why a token was refused before its claims were read; the caller words the answer. */
export class JwsError extends Error {
  override readonly name = 'JwsError';
}

/** A JWS in compact serialisation (RFC 7515 §7.1), split, with its protected header read. */
export interface CompactJws {
  readonly header: Readonly<Record<string, unknown>>;
  /** `BASE64URL(header) '.' BASE64URL(payload)`: what the signature covers. */
  readonly signingInput: string;
  readonly payload: string;
  readonly signature: string;
}

/** A key of one algorithm: its public half verifies, its private half signs. */
export interface JwsKey {
  readonly alg: SigningAlgorithm;
  readonly key: KeyObject;
}

/** Only these characters, no padding (RFC 7515 §2): anything else is not a token of ours. */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Splits a compact JWS and reads its protected header. Three non-empty base64url parts, a header
 * that is a JSON object: anything else throws {@link JwsError}. Nothing is trusted yet.
 */
export function parseCompactJws(token: string): CompactJws {
  const firstDot = token.indexOf('.');
  const lastDot = token.lastIndexOf('.');
  if (firstDot <= 0 || lastDot === firstDot || token.indexOf('.', firstDot + 1) !== lastDot) {
    throw new JwsError('not three parts');
  }
  const encodedHeader = token.slice(0, firstDot);
  const payload = token.slice(firstDot + 1, lastDot);
  const signature = token.slice(lastDot + 1);
  if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(payload) || !BASE64URL.test(signature)) {
    throw new JwsError('not base64url');
  }
  return { header: jsonObject(encodedHeader), signingInput: token.slice(0, lastDot), payload, signature };
}

/**
 * Checks the signature of `jws` with `key` and returns its payload, a JSON object. The header's
 * `alg` must be the key's own algorithm (so `none`, or an HMAC keyed with the public key, never
 * verifies), and the header may not name extensions (`crit`) or an unencoded payload (`b64`),
 * which Baton never uses (RFC 7515 §4.1.11 says to refuse what one does not understand).
 *
 * The signature is checked with `node:crypto`'s one-shot `verify`, synchronously: the same check
 * as jose's (`compact-jws.test.ts` compares the two), without a WebCrypto job on the thread pool
 * per token, which cost the cache-bypassed RS256 GET about a seventh of its throughput.
 */
export function verifyCompactJws(jws: CompactJws, key: JwsKey): Record<string, unknown> {
  const { header } = jws;
  if (header.alg !== key.alg) throw new JwsError('algorithm is not the key’s');
  if ('crit' in header || 'b64' in header) throw new JwsError('unsupported header parameter');
  // A signature of the wrong length (a DER-encoded ECDSA one, say) is simply not valid.
  const signature = Buffer.from(jws.signature, 'base64url');
  const { digest, keyInput } = signatureScheme(key);
  if (!verify(digest, Buffer.from(jws.signingInput, 'latin1'), keyInput, signature)) {
    throw new JwsError('signature');
  }
  return jsonObject(jws.payload);
}

/**
 * A compact JWS of `payload` signed with `key` (a private key of `key.alg`): `header` gets the
 * key's `alg` first.
 *
 * ES256 and EdDSA sign inline with `node:crypto`'s one-shot `sign` (35-45 µs): jose's WebCrypto
 * signing, a job on the thread pool per token, cost an ES256 token 190 µs and refreshes about a
 * quarter of their throughput. An RSA-2048 signature costs 330 µs, enough to stall every other
 * request, so RS256 signs on the thread pool (`sign` with a callback), where it also uses the
 * other cores.
 */
export async function signCompactJws(
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
  key: JwsKey,
): Promise<string> {
  const signingInput = `${base64urlJson({ alg: key.alg, ...header })}.${base64urlJson(payload)}`;
  const input = Buffer.from(signingInput, 'latin1');
  const { digest, keyInput } = signatureScheme(key);
  const signature =
    key.alg === 'RS256' ? await signOnThreadPool(digest, input, keyInput) : sign(digest, input, keyInput);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** `node:crypto`'s `sign` with a callback: the work runs on libuv's thread pool. */
const signOnThreadPool = promisify(sign) as (
  digest: string | null,
  data: Buffer,
  key: SignatureKeyInput,
) => Promise<Buffer>;

type SignatureKeyInput = KeyObject | { readonly key: KeyObject; readonly dsaEncoding: 'ieee-p1363' };

/**
 * How `node:crypto` signs and verifies for `key.alg`: Ed25519 hashes itself (no digest); ES256 and
 * RS256 use SHA-256, and ES256 signatures are the raw r||s pair JWS wants, not DER.
 */
function signatureScheme(key: JwsKey): { digest: string | null; keyInput: SignatureKeyInput } {
  if (key.alg === 'EdDSA') return { digest: null, keyInput: key.key };
  if (key.alg === 'ES256') return { digest: 'sha256', keyInput: { key: key.key, dsaEncoding: 'ieee-p1363' } };
  return { digest: 'sha256', keyInput: key.key };
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function jsonObject(encoded: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new JwsError('not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new JwsError('not an object');
  return value as Record<string, unknown>;
}
