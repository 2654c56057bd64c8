import type { Clock } from '../clock.js';
import { ProblemError } from '../errors.js';
import type { Store } from '../store/store.js';

/**
 * Lets a bearer request through only while its session is alive, so that "sign out", "revoke
 * this device" and "sign out everywhere" take effect at once on Baton's own API rather than when
 * the access token expires. (Resource servers that verify tokens with the JWKS stay stateless and
 * rely on the short token lifetime.)
 *
 * A live answer is remembered for `ttlMs` so that busy clients cost one store lookup per second,
 * not one per request. Revocations made through this process forget the affected sessions at
 * once; another instance's revocation is seen within `ttlMs`.
 */
export class SessionGate {
  readonly #liveUntil = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly ttlMs = 1000,
    private readonly capacity = 50_000,
  ) {}

  /**
   * True when a store lookup found the session live less than `ttlMs` ago (and no revocation
   * through this process has happened since); otherwise false, and the caller goes on to
   * {@link assertLive}. Synchronous, for the hot path of bearer routes.
   */
  knownLive(sessionId: string): boolean {
    const until = this.#liveUntil.get(sessionId);
    return until !== undefined && until > this.clock.now();
  }

  /** Throws 401 `invalid_token` unless the session exists, is not revoked and has not expired. */
  async assertLive(sessionId: string): Promise<void> {
    if (this.knownLive(sessionId)) return;
    const now = this.clock.now();
    const session = await this.store.findSession(sessionId);
    if (!session || session.revokedAt !== null || now >= session.expiresAt) {
      this.#liveUntil.delete(sessionId);
      throw new ProblemError('invalid_token', 'the session of this token has ended');
    }
    if (this.#liveUntil.size >= this.capacity) this.#liveUntil.clear();
    this.#liveUntil.set(sessionId, now + this.ttlMs);
  }

  /** Forgets what is known about one session, or about all of them. */
  forget(sessionId?: string): void {
    if (sessionId === undefined) this.#liveUntil.clear();
    else this.#liveUntil.delete(sessionId);
  }
}
