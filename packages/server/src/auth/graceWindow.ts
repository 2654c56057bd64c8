import { createHash } from 'node:crypto';
import type { RefreshTokenRecord } from '../store/store.js';
import { hashRefreshToken, openSuccessor } from '../tokens/refresh.js';
import type { AuthDeps, RequestMeta } from './context.js';
import { networkOf } from './ipAddress.js';

/**
 * The grace window of refresh rotation: who may present a spent token again, and what they get.
 * A client that lost the answer to its rotation (two tabs, parallel requests, a dropped
 * connection) presents the spent token again and receives the live token of its chain, unsealed
 * link by link; anyone else presenting it is reuse (see `refreshSession`).
 */

/** How far a grace-window request may walk along a chain rotated several times within the window. */
const MAX_GRACE_STEPS = 8;

/**
 * Who presents a refresh token, as far as the server can tell: the client's network (an IPv6
 * client's /64, whose addresses it may rotate) and user agent, digested. Grace replays must come
 * from the client that made the rotation they replay; a thief elsewhere gets no grace.
 */
export function clientOf(meta: RequestMeta): string {
  return createHash('sha256')
    .update(`${networkOf(meta.ip)}\0${meta.userAgent ?? ''}`)
    .digest('base64url')
    .slice(0, 22);
}

/**
 * Follows the chain forward from `token` while each link was consumed within the grace window by
 * `client`, opening each sealed successor with the token before it, and returns the live token at
 * its end (or `undefined` if the chain left the window, another client moved it on, or a seal was
 * already dropped).
 */
export async function liveDescendant(
  deps: AuthDeps,
  token: string,
  consumed: RefreshTokenRecord,
  client: string,
  now: number,
): Promise<string | undefined> {
  let current = token;
  let record: RefreshTokenRecord | undefined = consumed;
  for (let step = 0; step < MAX_GRACE_STEPS && record; step++) {
    if (record.usedAt === null) return current;
    if (now - record.usedAt > deps.config.refreshGrace * 1000 || record.consumedBy !== client)
      return undefined;
    const next = record.successorBox === null ? undefined : openSuccessor(current, record.successorBox);
    if (next === undefined) return undefined;
    record = await deps.store.findRefreshToken(hashRefreshToken(next));
    current = next;
  }
  return undefined;
}
