import { ProblemError } from '../errors.js';
import type { AccessClaims, AccessTokenService } from '../tokens/access.js';
import type { SessionGate } from './sessionGate.js';

/**
 * Answers "whose request is this?" for a bearer token: its claims once the token is verified
 * (signature, claims) and its session is live and belongs to its subject.
 *
 * One synchronous fast path: a token verified before, of a session found live in the last second,
 * is answered at once with the claims (one cache lookup, one gate lookup, no promise), which is
 * what nearly every request of a busy client is. Anything else returns a promise that verifies
 * what is not yet known, and rejects with a 401 problem (`invalid_token`, `token_expired`).
 */
export type Authenticate = (token: string | undefined) => AccessClaims | Promise<AccessClaims>;

export function createAuthenticator(tokens: AccessTokenService, sessions: SessionGate): Authenticate {
  const slowly = async (token: string, known: AccessClaims | undefined): Promise<AccessClaims> => {
    // A token found verified (only its session is unknown) is not verified again.
    const claims = known ?? (await tokens.verify(token));
    await sessions.assertLive(claims.sid, claims.sub);
    return claims;
  };
  return (token) => {
    if (token === undefined) {
      return Promise.reject(
        new ProblemError('invalid_token', 'A bearer access token is required. Sign in first.'),
      );
    }
    const known = tokens.cached(token);
    if (known !== undefined && sessions.knownLive(known.sid, known.sub)) return known;
    return slowly(token, known);
  };
}
