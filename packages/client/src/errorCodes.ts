/**
 * The machine codes an {@link AuthError} carries: the Baton server's problem codes, which the
 * client passes through, and the client's own. Callers branch on these, never on messages.
 */

/**
 * Every `code` of the Baton server's problem+json answers (`PROBLEMS` in
 * `packages/server/src/errors.ts`). A type-level test (`test/errorCodes.test.ts`) fails the build
 * when this list and the server's differ.
 */
export const BATON_PROBLEM_CODES = [
  'invalid_request',
  'weak_password',
  'email_taken',
  'invalid_credentials',
  'invalid_current_password',
  'email_not_verified',
  'invalid_reset_token',
  'reset_token_expired',
  'invalid_verification_token',
  'verification_token_expired',
  'rate_limited',
  'invalid_refresh_token',
  'refresh_token_expired',
  'refresh_token_reused',
  'session_revoked',
  'token_expired',
  'invalid_token',
  'not_found',
  'method_not_allowed',
  'payload_too_large',
  'uri_too_long',
  'unsupported_media_type',
  'headers_too_large',
  'internal_error',
  'storage_unavailable',
] as const;

/** A problem code of the Baton server. */
export type BatonProblemCode = (typeof BATON_PROBLEM_CODES)[number];

/** Codes the client raises itself. */
export type ClientErrorCode =
  /** No answer at all: offline, DNS failure, connection refused, or the request timed out. */
  | 'network_error'
  /** The backend has no such operation (e.g. `register` on OAuth 2). */
  | 'not_supported'
  /** The session is over; see {@link SessionExpiredError}. */
  | 'session_expired'
  /** The refresh failed for a network or server reason; see {@link RefreshUnavailableError}. */
  | 'refresh_unavailable'
  /**
   * This device's storage refused to keep the session (full: `QuotaExceededError`, or otherwise
   * unavailable); reported by the `storage-failed` event, `cause` holds the platform's error.
   */
  | 'storage_failed'
  /** A successful answer that lacks what a token answer must carry. */
  | 'invalid_response'
  /** A 5xx answer without a code of its own. */
  | 'server_error'
  /** Any other refusal without a code the client knows (the raw one is in `serverCode`). */
  | 'request_failed';

/** What `AuthError.code` can be: exactly the server's problem codes plus the client's own. */
export type AuthErrorCode = BatonProblemCode | ClientErrorCode;

const BATON_CODES: ReadonlySet<string> = new Set(BATON_PROBLEM_CODES);

/** True for a code of the Baton server's problem table. */
export function isBatonProblemCode(code: unknown): code is BatonProblemCode {
  return typeof code === 'string' && BATON_CODES.has(code);
}
