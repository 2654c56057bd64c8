/**
 * The storage contract of one-time tokens: the links of password reset, email verification and
 * email change. Like refresh tokens they are stored only as SHA-256 digests, and consuming one is
 * a single conditional statement, so exactly one of any number of concurrent callers wins.
 */

/** What a one-time token is for; a token of one purpose is worthless for another. */
export type OneTimeTokenPurpose = 'password_reset' | 'email_verification' | 'email_change';

export interface OneTimeTokenRecord {
  /** SHA-256 digest of the token (base64url); the token itself is never stored. */
  readonly tokenHash: string;
  readonly purpose: OneTimeTokenPurpose;
  readonly userId: string;
  /**
   * The address the token is about: the one to verify, or the new address of an email change
   * (normalised). A verification link stops working once the account's address changed.
   */
  readonly email: string | null;
  /** The uniqueness key of {@link email}. */
  readonly emailKey: string | null;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When it was consumed or voided; `null` while it can still be used. */
  readonly usedAt: number | null;
}

export type NewOneTimeToken = Omit<OneTimeTokenRecord, 'usedAt'>;

/** The outcome of {@link OneTimeTokenStore.consumeOneTimeToken}. */
export type Consumption =
  | { readonly status: 'consumed'; readonly token: OneTimeTokenRecord }
  /** It exists, unused, but its lifetime has ended. */
  | { readonly status: 'expired' }
  /** Unknown, of another purpose, already used or voided. */
  | { readonly status: 'invalid' };

export interface OneTimeTokenStore {
  createOneTimeToken(token: NewOneTimeToken): Promise<void>;
  /** Reads a token without consuming it (to check it before slow work such as hashing a password). */
  findOneTimeToken(tokenHash: string): Promise<OneTimeTokenRecord | undefined>;
  /**
   * Consumes a token of `purpose` that is unused and unexpired at `now`.
   *
   * Exactly one caller, across connections, processes and instances, receives `consumed` for a
   * given token: the consumption is one conditional statement
   * (`UPDATE ... WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING ...`).
   */
  consumeOneTimeToken(tokenHash: string, purpose: OneTimeTokenPurpose, now: number): Promise<Consumption>;
  /** Voids every unused token of `purpose` of a user (a reset voids the other reset links). Returns how many. */
  voidOneTimeTokens(userId: string, purpose: OneTimeTokenPurpose, now: number): Promise<number>;
  /** Deletes the tokens that expired before `expiredBefore`, used or not. Returns how many. */
  dropExpiredOneTimeTokens(expiredBefore: number): Promise<number>;
}
