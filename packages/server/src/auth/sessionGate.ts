import { setBounded } from '../boundedMap.js';
import type { Clock } from '../clock.js';
import { ProblemError } from '../errors.js';
import type { Store } from '../store/store.js';

/**
 * Lets a bearer request through only while its session is alive and belongs to the token's
 * subject, so that "sign out", "revoke this device" and "sign out everywhere" take effect at once
 * on Baton's own API rather than when the access token expires, and a token whose `sid` names
 * someone else's session (forged with a leaked key) is refused. (Resource servers that verify
 * tokens with the JWKS stay stateless and rely on the short token lifetime, or introspect.)
 *
 * A live answer is remembered for `ttlMs` so that busy clients cost one store lookup per second,
 * not one per request. Revocations made through this process forget the affected sessions at
 * once; another instance's revocation is seen within `ttlMs`.
 */
export class SessionGate {
  readonly #live = new Map<string, { readonly until: number; readonly userId: string }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly ttlMs = 1000,
    private readonly capacity = 50_000,
  ) {}

  /**
   * True when a store lookup found the session live, and of `userId`, less than `ttlMs` ago (and
   * no revocation through this process has happened since); otherwise false, and the caller goes
   * on to {@link assertLive}. Synchronous, for the hot path of bearer routes.
   */
  knownLive(sessionId: string, userId: string): boolean {
    const entry = this.#live.get(sessionId);
    return entry !== undefined && entry.userId === userId && entry.until > this.clock.now();
  }

  /** Throws 401 `invalid_token` unless the session exists, is `userId`'s, is not revoked and has not expired. */
  async assertLive(sessionId: string, userId: string): Promise<void> {
    if (this.knownLive(sessionId, userId)) return;
    const now = this.clock.now();
    const session = await this.store.findSession(sessionId);
    if (!session || session.userId !== userId || session.revokedAt !== null || now >= session.expiresAt) {
      this.#live.delete(sessionId);
      throw new ProblemError('invalid_token', 'This session has ended. Sign in again.');
    }
    setBounded(this.#live, sessionId, { until: now + this.ttlMs, userId }, this.capacity);
  }

  /** Forgets what is known about one session, or about all of them. */
  forget(sessionId?: string): void {
    if (sessionId === undefined) this.#live.clear();
    else this.#live.delete(sessionId);
  }
}
