/**
 * Errors thrown by the client. Callers branch on `code`, which for server answers is the server's
 * own machine code (Baton's problem+json `code`, simplejwt's `code`, OAuth 2's `error`).
 */

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
  readonly code: string;
  /** HTTP status of the answer that caused the error, when there was one. */
  readonly status?: number;

  constructor(code: string, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AuthError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
  }
}

/**
 * The session is over: the refresh token was refused (expired, revoked, reused) or there is no
 * session at all. Requests that were waiting for a refresh reject with this error; the client has
 * already signed out and emitted one `signed-out` event.
 */
export class SessionExpiredError extends AuthError {
  /** The server's code that ended the session, e.g. `refresh_token_reused`, when known. */
  readonly reason: string | undefined;

  constructor(message = 'The session has expired; sign in again.', reason?: string, cause?: unknown) {
    super('session_expired', message, { status: 401, cause });
    this.name = 'SessionExpiredError';
    this.reason = reason;
  }
}

/**
 * The refresh could not reach a working server (network failure, 5xx, 429). The session is kept
 * and the client retries in the background with back-off; `cause` holds the underlying error.
 */
export class RefreshUnavailableError extends AuthError {
  constructor(cause: unknown, status?: number) {
    super(
      'refresh_unavailable',
      'The session could not be refreshed right now; it is kept and will be retried.',
      status === undefined ? { cause } : { cause, status },
    );
    this.name = 'RefreshUnavailableError';
  }
}
