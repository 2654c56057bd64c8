import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEMS, type ProblemCode, ProblemError, problemBody } from '../errors.js';
import { STORE_FAILED_DETAIL, StoreFailedError } from '../store/failed.js';
import { storageOutage } from '../store/unavailable.js';

const CODE_BY_STATUS: Readonly<Record<number, ProblemCode>> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/** The codes of a refused bearer token (RFC 6750 §3.1 `invalid_token`). */
const BEARER_CODES: ReadonlySet<ProblemCode> = new Set(['invalid_token', 'token_expired']);

/**
 * The challenge of a 401 (RFC 9110 §15.5.2 requires one on every 401). A refused bearer token
 * gets RFC 6750's `error="invalid_token"` with the reason; the other 401s (a wrong password, a dead
 * refresh token) concern no bearer token, so their challenge carries no error code (RFC 6750 §3.1).
 */
function challengeOf(code: ProblemCode, detail: string): string {
  if (!BEARER_CODES.has(code)) return 'Bearer realm="baton"';
  // A quoted-string of RFC 6750's restricted characters: printable ASCII without `"` and `\`.
  const description = detail.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '');
  return `Bearer realm="baton", error="invalid_token", error_description="${description}"`;
}

/** Sends an RFC 9457 problem document (with the `WWW-Authenticate` challenge of a 401). */
export function sendProblem(
  reply: FastifyReply,
  code: ProblemCode,
  detail: string,
  options: { readonly status?: number; readonly headers?: Readonly<Record<string, string>> } = {},
): FastifyReply {
  const body = problemBody(code, detail);
  const status = options.status ?? body.status;
  if (status === 401) reply.header('www-authenticate', challengeOf(code, detail));
  return reply
    .code(status)
    .headers(options.headers ?? {})
    .type('application/problem+json; charset=utf-8')
    .send({ ...body, status });
}

/**
 * Turns every error into problem+json: expected failures keep their code, schema and parser
 * errors become 400/413/415, a storage outage becomes a 503 with `Retry-After`, and anything
 * unexpected becomes a 500 without internals (the details go to the log, never to the client).
 */
export function registerProblemHandlers(app: FastifyInstance, fallback?: NotFoundFallback): void {
  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
    if (error instanceof ProblemError) {
      return sendProblem(reply, error.code, error.detail, { headers: error.headers });
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      return sendProblem(
        reply,
        'invalid_request',
        `${where} ${error.validation[0]?.message ?? 'is invalid'}`.trim(),
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = CODE_BY_STATUS[status] ?? 'invalid_request';
      return sendProblem(reply, code, clientMessage(error, code), { status });
    }
    if (error instanceof StoreFailedError) {
      request.log.error({ reqId: request.id, err: error }, 'storage failed');
      return sendProblem(reply, 'internal_error', STORE_FAILED_DETAIL);
    }
    const outage = storageOutage(error);
    if (outage) {
      request.log.error({ reqId: request.id, err: error }, 'storage unavailable');
      return sendProblem(reply, outage.code, outage.detail, { headers: outage.headers });
    }
    request.log.error({ reqId: request.id, err: error }, 'unhandled error');
    return sendProblem(reply, 'internal_error', 'an unexpected error occurred');
  });

  app.setNotFoundHandler((request, reply) => {
    if (fallback?.(request, reply)) return reply;
    return sendProblem(reply, 'not_found', `no route for ${request.method} ${request.url.split('?')[0]}`);
  });
}

/** Answers an unmatched request itself (returning true), e.g. with a single-page app's index. */
export type NotFoundFallback = (request: FastifyRequest, reply: FastifyReply) => boolean;

function clientMessage(error: FastifyError, code: ProblemCode): string {
  if (code === 'payload_too_large') return 'request body is too large';
  if (code === 'unsupported_media_type') return 'send the body as application/json';
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
    return 'body is not valid JSON';
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'body must not be empty when content-type is JSON';
  return PROBLEMS[code].title.toLowerCase();
}

/**
 * Fastify's `frameworkErrors`: errors raised before routing (a malformed percent-encoding in the
 * path, an over-long path parameter) answer problem+json like every other 4xx.
 */
export function frameworkErrorHandler(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : (error.statusCode ?? 400);
  const code = CODE_BY_STATUS[status] ?? 'invalid_request';
  void sendProblem(
    reply,
    code,
    code === 'uri_too_long' ? 'a path segment is too long' : 'the URL is malformed',
    {
      status,
    },
  );
}

/**
 * Node's `clientError`: requests its HTTP parser refuses (bytes not allowed in a header, an
 * unknown method, oversized headers) never reach Fastify; answer them with problem+json too,
 * then close the connection, whose byte stream can no longer be trusted.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) return void socket.destroy();
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify(
    problemBody(status === 431 ? 'headers_too_large' : 'invalid_request', 'the request could not be parsed'),
  );
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      'content-type: application/problem+json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
