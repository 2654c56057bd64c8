import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { AuthDeps } from '../auth/context.js';
import { normaliseIp } from '../auth/ipAddress.js';
import { ProblemError } from '../errors.js';
import type { AccessClaims } from '../tokens/access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token claims of a bearer-protected route. */
    auth: AccessClaims;
  }
}

/** RFC 6750 §2.1: the scheme is case-insensitive; the credentials are a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** Extracts the bearer token of a request, if it carries a well-formed one. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/**
 * A `preHandler` that admits only requests with a valid access token of a live session and puts
 * its claims on `request.auth`. Every refusal is a 401 (the problem handler adds `WWW-Authenticate`, RFC 6750 §3).
 *
 * A callback hook: a token verified before, of a session found live a moment ago, is admitted
 * synchronously (two map lookups), and only the rest take the asynchronous path.
 */
export function requireBearer(deps: Pick<AuthDeps, 'accessTokens' | 'sessions'>) {
  const admit = async (
    request: FastifyRequest,
    token: string | undefined,
    known: AccessClaims | undefined,
  ): Promise<void> => {
    if (!token) throw new ProblemError('invalid_token', 'A bearer access token is required. Sign in first.');
    // A token already found verified (its session is what is not known) is not looked up twice.
    const claims = known ?? (await deps.accessTokens.verify(token));
    await deps.sessions.assertLive(claims.sid, claims.sub);
    request.auth = claims;
  };
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const token = bearerToken(request);
    const known = token === undefined ? undefined : deps.accessTokens.verifiedBefore(token);
    if (known && deps.sessions.knownLive(known.sid, known.sub)) {
      request.auth = known;
      done();
      return;
    }
    admit(request, token, known).then(() => done(), done);
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
