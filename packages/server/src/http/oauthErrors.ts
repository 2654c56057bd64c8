import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { type ProblemCode, ProblemError } from '../errors.js';
import { STORE_FAILED_DETAIL, StoreFailedError } from '../store/failed.js';
import { storageOutage } from '../store/unavailable.js';

/**
 * The OAuth face of Baton's errors: RFC 6749 §5.2 bodies `{error, error_description}` for the
 * `/oauth/*` endpoints, translated from domain failures in one place.
 */

/**
 * RFC 6749 §5.2 error codes, RFC 8628's `slow_down` for throttling, and RFC 6749 §4.1.2.1's
 * `server_error` and `temporarily_unavailable` (a storage outage, answered 503 with `Retry-After`).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'slow_down'
  | 'server_error'
  | 'temporarily_unavailable';

/** An OAuth error answer: its code, a description for people, the status and extra headers. */
export class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
  }
}

/** Baton's own failures of a grant, all of which mean "this grant is not valid" to OAuth. */
const INVALID_GRANT = new Set<ProblemCode>([
  'invalid_credentials',
  'email_not_verified',
  'invalid_refresh_token',
  'refresh_token_expired',
  'refresh_token_reused',
  'session_revoked',
]);

/** Translates a domain failure into the OAuth error a standard client understands. */
export function toOAuthError(error: unknown): OAuthError {
  if (error instanceof OAuthError) return error;
  if (error instanceof ProblemError) {
    if (INVALID_GRANT.has(error.code)) return new OAuthError('invalid_grant', error.detail);
    if (error.code === 'rate_limited') return new OAuthError('slow_down', error.detail, 429, error.headers);
    if (error.status === 400) return new OAuthError('invalid_request', error.detail);
  }
  // The request's own failures first: a client that hangs up mid-body fails with ECONNRESET and
  // status 400, which is no storage outage (operators alert on those).
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation || (fastifyError.statusCode && fastifyError.statusCode < 500)) {
    return new OAuthError('invalid_request', fastifyError.message ?? 'the request is malformed');
  }
  if (error instanceof StoreFailedError) return new OAuthError('server_error', STORE_FAILED_DETAIL, 500);
  const outage = storageOutage(error);
  if (outage) return new OAuthError('temporarily_unavailable', outage.detail, outage.status, outage.headers);
  return new OAuthError('server_error', 'an unexpected error occurred', 500);
}

/** Sends `error` as an RFC 6749 §5.2 JSON body, never cached. */
export function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  return reply
    .code(error.status)
    .headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...error.headers })
    .type('application/json; charset=utf-8')
    .send({ error: error.code, error_description: error.description });
}

/** Makes every error of the plugin `app` (schema, parser, domain) leave as an OAuth error body. */
export function answerWithOAuthErrors(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const oauth = toOAuthError(error);
    if (oauth.status >= 500) {
      const what =
        oauth.code === 'temporarily_unavailable'
          ? 'storage unavailable'
          : error instanceof StoreFailedError
            ? 'storage failed'
            : 'unhandled error';
      request.log.error({ reqId: request.id, err: error }, what);
    }
    return sendOAuthError(reply, oauth);
  });
}
