import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEMS, type ProblemCode, ProblemError, problemBody } from '../errors.js';

const CODE_BY_STATUS: Readonly<Record<number, ProblemCode>> = {
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/** Sends an RFC 9457 problem document. */
export function sendProblem(
  reply: FastifyReply,
  code: ProblemCode,
  detail: string,
  options: { readonly status?: number; readonly headers?: Readonly<Record<string, string>> } = {},
): FastifyReply {
  const body = problemBody(code, detail);
  const status = options.status ?? body.status;
  return reply
    .code(status)
    .headers(options.headers ?? {})
    .type('application/problem+json; charset=utf-8')
    .send({ ...body, status });
}

/**
 * Turns every error into problem+json: expected failures keep their code, schema and parser
 * errors become 400/413/415, and anything unexpected becomes a 500 without internals (the
 * details go to the log, never to the client).
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
    request.log.error({ err: error }, 'unhandled error');
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
