/**
 * Problem details (RFC 9457) and the table of Baton's machine-readable error codes.
 * Clients branch on `code`; `title` and `detail` are for humans.
 */

/** Every `code` the API can answer with, with its HTTP status and a stable title. */
export const PROBLEMS = {
  invalid_request: { status: 400, title: 'Invalid request' },
  weak_password: { status: 400, title: 'Password too weak' },
  email_taken: { status: 409, title: 'Email already registered' },
  invalid_credentials: { status: 401, title: 'Invalid credentials' },
  invalid_current_password: { status: 403, title: 'Current password is incorrect' },
  email_not_verified: { status: 403, title: 'Email not verified' },
  invalid_reset_token: { status: 400, title: 'Invalid password reset link' },
  reset_token_expired: { status: 400, title: 'Password reset link expired' },
  invalid_verification_token: { status: 400, title: 'Invalid email link' },
  verification_token_expired: { status: 400, title: 'Email link expired' },
  rate_limited: { status: 429, title: 'Too many requests' },
  invalid_refresh_token: { status: 401, title: 'Invalid refresh token' },
  refresh_token_expired: { status: 401, title: 'Refresh token expired' },
  refresh_token_reused: { status: 401, title: 'Refresh token reused' },
  session_revoked: { status: 401, title: 'Session revoked' },
  token_expired: { status: 401, title: 'Access token expired' },
  invalid_token: { status: 401, title: 'Invalid access token' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  internal_error: { status: 500, title: 'Internal server error' },
  storage_unavailable: { status: 503, title: 'Storage unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

/** The JSON body of an error answer. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ProblemCode;
}

/** An expected failure that the error handler turns into problem+json. */
export class ProblemError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.status = PROBLEMS[code].status;
  }
}

export function problemBody(code: ProblemCode, detail: string): ProblemBody {
  const { status, title } = PROBLEMS[code];
  return { type: `https://baton.dev/problems/${code.replaceAll('_', '-')}`, title, status, detail, code };
}

/** The JSON schema of {@link ProblemBody}, shared by every route's error responses. */
export const problemSchema = {
  $id: 'Problem',
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
} as const;
