import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every refresh token starts with this prefix, so leaked tokens are recognisable by secret scanners. */
export const REFRESH_TOKEN_PREFIX = 'brt_';

const TOKEN_PATTERN = /^brt_[A-Za-z0-9_-]{43}$/;

/** A fresh refresh token: the prefix and 256 random bits, base64url. */
export function mintRefreshToken(): string {
  return REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Cheap syntactic check done before touching the store. */
export function looksLikeRefreshToken(token: string): boolean {
  return TOKEN_PATTERN.test(token);
}

/**
 * The digest stored in place of the token. A plain SHA-256 suffices (no salt, no slow hash)
 * because the token carries 256 bits of entropy: there is nothing to brute-force.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * The successor of a refresh token: an HMAC of the presented token under a server secret.
 *
 * Deriving the successor (rather than drawing it at random) lets a request that presents the same
 * token again inside the grace window receive the very same successor, without the server ever
 * storing a token in plain text. Parallel refreshes therefore never fork the session into two live
 * chains: there is exactly one live token per session, and reuse detection keeps working for it.
 * Someone holding only the database (digests and the secret) cannot derive any token, because the
 * derivation needs a token in plain text.
 */
export function deriveSuccessor(token: string, secret: Buffer): string {
  return REFRESH_TOKEN_PREFIX + createHmac('sha256', secret).update(token).digest('base64url');
}

/** Constant-time comparison of two digests. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
