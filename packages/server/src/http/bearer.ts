import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Authenticate } from '../auth/authenticate.js';
import { normaliseIp } from '../auth/ipAddress.js';
import type { AccessClaims } from '../tokens/access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token claims of a bearer-protected route (`null` elsewhere). */
    auth: AccessClaims;
  }
}

/** RFC 6750 §2.1: the scheme is case-insensitive; the credentials are a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Extracts the bearer token of a request. The common spelling (`Bearer <token>`) is taken as it
 * is: the token is then looked up in the verified-token cache by its exact text, or verified, and
 * anything malformed fails verification (`parseCompactJws` takes base64url only). Other spellings go
 * through RFC 6750's grammar.
 */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  if (header.startsWith('Bearer ') && header.length > 7 && header.indexOf(' ', 7) === -1)
    return header.slice(7);
  return BEARER.exec(header)?.[1];
}

/**
 * A `preHandler` that admits only requests with a valid access token of a live session and puts
 * its claims on `request.auth` (declared with `decorateRequest` by the app). Every refusal is a
 * 401; the problem handler adds `WWW-Authenticate` (RFC 6750 §3). A callback hook, so a request
 * answered by the authenticator's synchronous fast path waits for nothing.
 */
export function requireBearer(authenticate: Authenticate) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const claims = authenticate(bearerToken(request));
    if (!(claims instanceof Promise)) {
      request.auth = claims;
      done();
      return;
    }
    claims.then((verified) => {
      request.auth = verified;
      done();
    }, done);
  };
}

/**
 * Where a request came from, for rate limits, sessions and the audit log. The address is the one
 * the configured proxies vouch for (`trustProxy`), kept only if it is a valid IP: otherwise the
 * socket's peer, since a forwarded header may hold any text a client wrote.
 */
export function requestMeta(request: FastifyRequest): { ip: string | null; userAgent: string | null } {
  const userAgent = request.headers['user-agent'];
  return {
    ip: normaliseIp(request.ip) ?? normaliseIp(request.socket.remoteAddress),
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null,
  };
}
