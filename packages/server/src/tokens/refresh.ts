import { createHash } from 'node:crypto';
import { pooledRandomBytes } from './randomPool.js';
import { createSecretBox, SecretBoxError } from './secretBox.js';

/** Every refresh token starts with this prefix, so leaked tokens are recognisable by secret scanners. */
export const REFRESH_TOKEN_PREFIX = 'brt_';

const TOKEN_PATTERN = /^brt_[A-Za-z0-9_-]{43}$/;

/** A fresh refresh token: the prefix and 256 random bits, base64url. */
export function mintRefreshToken(): string {
  return REFRESH_TOKEN_PREFIX + pooledRandomBytes(32).toString('base64url');
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

const GRACE_PURPOSE = 'baton grace successor v1';

/**
 * Seals `successor` under a key derived (HKDF) from the token it replaces, for the grace window:
 * the same client presenting `presented` again can open it and receive the same successor, while
 * the database alone (which holds only the digest of `presented`) opens nothing. A caller that
 * has already hashed `presented` (a rotation has, to find it) passes `presentedHash`, the box's
 * context, and saves hashing it again.
 */
export function sealSuccessor(
  presented: string,
  successor: string,
  presentedHash: string = hashRefreshToken(presented),
): string {
  return createSecretBox(presented, GRACE_PURPOSE).seal(successor, presentedHash);
}

/** Opens a box made by {@link sealSuccessor}; `undefined` when it does not open with `presented`. */
export function openSuccessor(presented: string, box: string): string | undefined {
  try {
    return createSecretBox(presented, GRACE_PURPOSE).open(box, hashRefreshToken(presented));
  } catch (error) {
    if (error instanceof SecretBoxError) return undefined;
    throw error;
  }
}
