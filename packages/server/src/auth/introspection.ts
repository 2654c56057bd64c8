import { ProblemError } from '../errors.js';
import type { AccessClaims } from '../tokens/access.js';
import type { AuthDeps } from './context.js';

/** RFC 7662 §2.2: an inactive token says nothing more, whatever made it inactive. */
export interface InactiveToken {
  readonly active: false;
}

/** RFC 7662 §2.2 for a live Baton access token: its claims, and what kind of token it is. */
export type ActiveToken = AccessClaims & { readonly active: true; readonly token_type: 'Bearer' };

const INACTIVE: InactiveToken = { active: false };

/**
 * Whether `token` is a live access token right now: its signature and claims verify, and its
 * session is live in the store at this moment and belongs to `sub`. The store is read on every
 * call (not the bearer routes' one-second session memory), because introspection is the path a
 * resource server takes to learn of a revocation at once. Expired, revoked, forged, unknown and
 * malformed tokens (refresh tokens included) are all just inactive (RFC 7662 §2.2).
 */
export async function introspect(
  deps: Pick<AuthDeps, 'accessTokens' | 'store' | 'clock'>,
  token: string,
): Promise<ActiveToken | InactiveToken> {
  let claims: AccessClaims;
  try {
    claims = await deps.accessTokens.verify(token);
  } catch (error) {
    if (error instanceof ProblemError) return INACTIVE;
    throw error;
  }
  const session = await deps.store.findSession(claims.sid);
  const now = deps.clock.now();
  if (!session || session.revokedAt !== null || now >= session.expiresAt || session.userId !== claims.sub) {
    return INACTIVE;
  }
  const { iss, aud, sub, sid, iat, exp, jti } = claims;
  return { active: true, token_type: 'Bearer', iss, aud, sub, sid, iat, exp, jti };
}
