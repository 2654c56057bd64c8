import { ProblemError } from '../errors.js';
import type { OneTimeTokenPurpose } from '../store/oneTimeTokens.js';
import type { UserRecord } from '../store/store.js';
import { hashOneTimeToken, mintOneTimeToken, purposeOf } from '../tokens/oneTimeTokens.js';
import type { CoreDeps } from './context.js';
import type { NormalisedEmail } from './emails.js';

/**
 * Mints a one-time token for `user` and stores its digest (the token itself exists only in the
 * mail that carries it). `address` is what an email token is about: the address to verify or to
 * move to.
 */
export async function issueOneTimeToken(
  deps: CoreDeps,
  user: UserRecord,
  purpose: OneTimeTokenPurpose,
  ttlSeconds: number,
  address?: NormalisedEmail,
): Promise<string> {
  const token = mintOneTimeToken(purpose);
  const now = deps.clock.now();
  await deps.store.createOneTimeToken({
    tokenHash: hashOneTimeToken(token),
    purpose,
    userId: user.id,
    email: address?.email ?? null,
    emailKey: address?.key ?? null,
    createdAt: now,
    expiresAt: now + ttlSeconds * 1000,
  });
  return token;
}

const RESET_INVALID =
  'This password reset link is not valid: it was already used or replaced. Ask for a new one.';
const RESET_EXPIRED = 'This password reset link has expired. Ask for a new one.';
const EMAIL_INVALID = 'This email link is not valid: it was already used or replaced. Ask for a new one.';
const EMAIL_EXPIRED = 'This email link has expired. Ask for a new one.';

/** The 400 for a token of `purpose` that cannot be used, with a code per purpose and reason. */
export function unusableToken(purpose: OneTimeTokenPurpose, reason: 'invalid' | 'expired'): ProblemError {
  if (purpose === 'password_reset') {
    return reason === 'expired'
      ? new ProblemError('reset_token_expired', RESET_EXPIRED)
      : new ProblemError('invalid_reset_token', RESET_INVALID);
  }
  return reason === 'expired'
    ? new ProblemError('verification_token_expired', EMAIL_EXPIRED)
    : new ProblemError('invalid_verification_token', EMAIL_INVALID);
}

/** Whether an error is a refused one-time token (which counts against the scanning limit). */
export const isUnusableToken = (error: unknown): boolean =>
  error instanceof ProblemError &&
  (error.code === 'invalid_reset_token' ||
    error.code === 'reset_token_expired' ||
    error.code === 'invalid_verification_token' ||
    error.code === 'verification_token_expired');

/** The digest of a well-formed token of one of `purposes`, or the 400 for `fallback`'s kind of link. */
export function digestOf(
  token: string,
  purposes: readonly OneTimeTokenPurpose[],
  fallback: OneTimeTokenPurpose,
): { readonly purpose: OneTimeTokenPurpose; readonly tokenHash: string } {
  const purpose = purposeOf(token);
  if (purpose === undefined || !purposes.includes(purpose)) throw unusableToken(fallback, 'invalid');
  return { purpose, tokenHash: hashOneTimeToken(token) };
}
