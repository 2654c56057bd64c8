import type { FastifyRequest } from 'fastify';

/**
 * The request as a log line shows it. The query string is replaced, never logged: a client that
 * puts a token in a URL (`?access_token=`, a reset link) must not have it copied into the logs.
 */
export function requestForLog(request: FastifyRequest): Record<string, unknown> {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?[redacted]`,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
