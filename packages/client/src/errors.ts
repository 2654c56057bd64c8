/**
 * Errors thrown by the client. Callers branch on `code` (an {@link AuthErrorCode}): the Baton
 * server's problem code, or the client's own. Other servers' codes (simplejwt's
 * `token_not_valid`, OAuth 2's `invalid_grant`) are translated by their backend and kept in
 * `serverCode`.
 */
import type { AuthErrorCode } from './errorCodes.js';

/** Details of an {@link AuthError}. */
export interface AuthErrorOptions {
  /** HTTP status of the answer that caused the error, when there was one. */
  readonly status?: number | undefined;
  readonly cause?: unknown;
  /** The server's own code when it is not one of {@link AuthErrorCode} (e.g. `invalid_grant`). */
  readonly serverCode?: string | undefined;
  /** Messages per input field, when the server named the fields (Django REST framework does). */
  readonly fields?: Readonly<Record<string, readonly string[]>> | undefined;
  /** How long the server asked to wait before trying again (`Retry-After`), in ms, when it said. */
  readonly retryAfterMs?: number | undefined;
}

/**
 * A failed authentication operation.
 *
 * @example
 * try {
 *   await auth.login({ email, password });
 * } catch (error) {
 *   if (error instanceof AuthError && error.code === 'invalid_credentials') showWrongPassword();
 * }
 */
export class AuthError extends Error {
  /** Stable machine code, e.g. `invalid_credentials`, `email_taken`, `network_error`. */
  readonly code: AuthErrorCode;
  /** HTTP status of the answer that caused the error, when there was one. */
  readonly status?: number;
  /** The server's own code when it differs from `code` (another server's vocabulary). */
  readonly serverCode?: string;
  /** Messages per input field (e.g. `{ last_name: ['This field is required.'] }`), when known. */
  readonly fields?: Readonly<Record<string, readonly string[]>>;
  /**
   * How long the server asked to wait before trying again, in ms: its `Retry-After` on a 429
   * (`rate_limited`) or a 503 (`storage_unavailable`), when it sent one. The client's own
   * background refresh waits at least this long (up to a minute) before its next try.
   */
  readonly retryAfterMs?: number;

  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.serverCode !== undefined && options.serverCode !== code) this.serverCode = options.serverCode;
    if (options.fields !== undefined) this.fields = options.fields;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The server could not be reached: offline, DNS failure, connection refused, or no answer before
 * the deadline. Nothing is known about what the server did; `cause` holds the platform's error.
 */
export class NetworkError extends AuthError {
  constructor(cause: unknown) {
    super('network_error', 'The server could not be reached. Check the connection and try again.', { cause });
    this.name = 'NetworkError';
  }
}

/**
 * The session is over: the refresh token was refused (expired, revoked, reused) or there is no
 * session at all. Requests that were waiting for a refresh reject with this error; the client has
 * already signed out and emitted one `signed-out` event.
 */
export class SessionExpiredError extends AuthError {
  /** The server's code that ended the session, e.g. `refresh_token_reused`, when known. */
  readonly reason: AuthErrorCode | undefined;

  constructor(message = 'The session has ended. Sign in again.', reason?: AuthErrorCode, cause?: unknown) {
    super('session_expired', message, { status: 401, cause });
    this.name = 'SessionExpiredError';
    this.reason = reason;
  }
}

/**
 * The refresh could not reach a working server (network failure, timeout, 5xx, 429). The session
 * is kept and the client retries in the background with back-off, not sooner than the server's
 * `Retry-After` (`retryAfterMs`: until then no refresh is sent, and callers get this error with
 * the wait that remains); `cause` holds the underlying error.
 */
export class RefreshUnavailableError extends AuthError {
  constructor(cause: unknown, status?: number, retryAfterMs?: number) {
    const wait = retryAfterMs ?? (cause instanceof AuthError ? cause.retryAfterMs : undefined);
    super(
      'refresh_unavailable',
      wait === undefined
        ? 'The server did not answer, so the sign-in could not be renewed. You are still signed in; it is retried automatically.'
        : 'The server is busy and asked to wait, so the sign-in could not be renewed yet. You are still signed in; it is retried automatically.',
      { cause, status, retryAfterMs: wait },
    );
    this.name = 'RefreshUnavailableError';
  }
}

/** Any failure of a backend call as an {@link AuthError}: a bare platform error means "no answer". */
export function asAuthError(error: unknown): AuthError {
  return error instanceof AuthError ? error : new NetworkError(error);
}
