import { createHash } from 'node:crypto';
import type { OneTimeTokenPurpose } from '../store/oneTimeTokens.js';
import { pooledRandomBytes } from './randomPool.js';

/**
 * One prefix per purpose, so a leaked link is recognisable by secret scanners and a token of one
 * purpose is refused by the others before any lookup.
 */
export const ONE_TIME_TOKEN_PREFIXES = {
  password_reset: 'brp_',
  email_verification: 'bev_',
  email_change: 'bec_',
} as const satisfies Record<OneTimeTokenPurpose, string>;

const SHAPE = /^(brp|bev|bec)_[A-Za-z0-9_-]{43}$/;

/** A fresh token: its purpose's prefix and 256 random bits, base64url. */
export function mintOneTimeToken(purpose: OneTimeTokenPurpose): string {
  return ONE_TIME_TOKEN_PREFIXES[purpose] + pooledRandomBytes(32).toString('base64url');
}

/** The purpose a well-formed token announces, or `undefined` for anything else. */
export function purposeOf(token: string): OneTimeTokenPurpose | undefined {
  if (!SHAPE.test(token)) return undefined;
  const prefix = token.slice(0, 4);
  const entry = Object.entries(ONE_TIME_TOKEN_PREFIXES).find(([, value]) => value === prefix);
  return entry?.[0] as OneTimeTokenPurpose | undefined;
}

/** The digest stored in place of the token: SHA-256 suffices for 256 random bits (nothing to brute-force). */
export function hashOneTimeToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
