import { ProblemError } from '../errors.js';
import type { RateLimiter } from './rateLimiter.js';

/** At most `max` events per `windowSeconds`. */
export interface LimitRule {
  readonly max: number;
  readonly windowSeconds: number;
}

/** Exponential back-off per account: free failures, then a lock that doubles with each failure. */
export interface BackoffRule {
  readonly freeFailures: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  /** Failures are counted over this window. */
  readonly windowSeconds: number;
}

/** Every throttling knob, with the defaults in {@link DEFAULT_LIMITS}. */
export interface RateLimits {
  /** Failed logins for one account from one IP (brute force from one place). */
  readonly loginAccountIp: LimitRule;
  /** Failed logins from one IP over all accounts (password spraying). */
  readonly loginIp: LimitRule;
  /** Failed logins for one account from anywhere (brute force from a botnet). */
  readonly loginAccountBackoff: BackoffRule;
  /** Registrations from one IP (account farming). */
  readonly registerIp: LimitRule;
  /** Failed refreshes from one IP (token guessing, scanning). */
  readonly refreshFailuresIp: LimitRule;
  /** Successful refreshes per user (a runaway client loop). */
  readonly refreshUser: LimitRule;
  /** Wrong current passwords on password change per account. */
  readonly passwordChangeAccount: LimitRule;
  /** Failed resource-client authentications (introspection) from one IP (secret guessing). */
  readonly clientAuthFailuresIp: LimitRule;
}

const MINUTE = 60;

export const DEFAULT_LIMITS: RateLimits = {
  loginAccountIp: { max: 10, windowSeconds: 15 * MINUTE },
  loginIp: { max: 100, windowSeconds: 15 * MINUTE },
  loginAccountBackoff: {
    freeFailures: 5,
    baseSeconds: 2,
    maxSeconds: 15 * MINUTE,
    windowSeconds: 60 * MINUTE,
  },
  registerIp: { max: 30, windowSeconds: 10 * MINUTE },
  refreshFailuresIp: { max: 60, windowSeconds: MINUTE },
  refreshUser: { max: 120, windowSeconds: MINUTE },
  passwordChangeAccount: { max: 5, windowSeconds: 15 * MINUTE },
  clientAuthFailuresIp: { max: 20, windowSeconds: 15 * MINUTE },
};

/**
 * Baton's anti-automation policy over a {@link RateLimiter}. Failed attempts are what count for
 * login and password change, so a user who types the right password is never slowed by their
 * own earlier success; a locked account answers 429 with `Retry-After` before any password work.
 * `false` limits disable throttling entirely (benchmarks only).
 */
export class Throttle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: RateLimits | false,
  ) {}

  /** Refuses a login attempt that a limit currently blocks. */
  async beforeLogin(ip: string | null, account: string): Promise<void> {
    if (!this.limits) return;
    const { loginAccountIp, loginIp } = this.limits;
    await this.#refuseIfAbove([
      [`login:ip-account:${ip}:${account}`, loginAccountIp.max],
      [`login:ip:${ip}`, loginIp.max],
      [`login:lock:${account}`, 1],
    ]);
  }

  async loginFailed(ip: string | null, account: string): Promise<void> {
    if (!this.limits) return;
    const { loginAccountIp, loginIp, loginAccountBackoff: backoff } = this.limits;
    const [, , failures] = await Promise.all([
      this.limiter.hit(`login:ip-account:${ip}:${account}`, loginAccountIp.windowSeconds),
      this.limiter.hit(`login:ip:${ip}`, loginIp.windowSeconds),
      this.limiter.hit(`login:account:${account}`, backoff.windowSeconds),
    ]);
    if (failures > backoff.freeFailures) {
      const exponent = Math.min(failures - backoff.freeFailures - 1, 30);
      const lockSeconds = Math.min(backoff.baseSeconds * 2 ** exponent, backoff.maxSeconds);
      await this.limiter.reset(`login:lock:${account}`);
      await this.limiter.hit(`login:lock:${account}`, lockSeconds);
    }
  }

  async loginSucceeded(ip: string | null, account: string): Promise<void> {
    if (!this.limits) return;
    await Promise.all([
      this.limiter.reset(`login:ip-account:${ip}:${account}`),
      this.limiter.reset(`login:account:${account}`),
    ]);
  }

  /** Counts a registration attempt from `ip`, refusing it beyond the limit. */
  async register(ip: string | null): Promise<void> {
    if (!this.limits) return;
    await this.#refuseIfAbove([[`register:ip:${ip}`, this.limits.registerIp.max]]);
    await this.limiter.hit(`register:ip:${ip}`, this.limits.registerIp.windowSeconds);
  }

  async beforeRefresh(ip: string | null): Promise<void> {
    if (!this.limits) return;
    await this.#refuseIfAbove([[`refresh:fail-ip:${ip}`, this.limits.refreshFailuresIp.max]]);
  }

  async refreshFailed(ip: string | null): Promise<void> {
    if (!this.limits) return;
    await this.limiter.hit(`refresh:fail-ip:${ip}`, this.limits.refreshFailuresIp.windowSeconds);
  }

  /** Counts a refresh for `userId`, refusing it beyond the limit. */
  async refreshForUser(userId: string): Promise<void> {
    if (!this.limits) return;
    await this.#refuseIfAbove([[`refresh:user:${userId}`, this.limits.refreshUser.max]]);
    await this.limiter.hit(`refresh:user:${userId}`, this.limits.refreshUser.windowSeconds);
  }

  async beforePasswordChange(userId: string): Promise<void> {
    if (!this.limits) return;
    await this.#refuseIfAbove([[`password:account:${userId}`, this.limits.passwordChangeAccount.max]]);
  }

  async passwordChangeFailed(userId: string): Promise<void> {
    if (!this.limits) return;
    await this.limiter.hit(`password:account:${userId}`, this.limits.passwordChangeAccount.windowSeconds);
  }

  async beforeClientAuthentication(ip: string | null): Promise<void> {
    if (!this.limits) return;
    await this.#refuseIfAbove([[`client-auth:fail-ip:${ip}`, this.limits.clientAuthFailuresIp.max]]);
  }

  async clientAuthenticationFailed(ip: string | null): Promise<void> {
    if (!this.limits) return;
    await this.limiter.hit(`client-auth:fail-ip:${ip}`, this.limits.clientAuthFailuresIp.windowSeconds);
  }

  async #refuseIfAbove(counters: ReadonlyArray<readonly [key: string, max: number]>): Promise<void> {
    const states = await Promise.all(counters.map(([key]) => this.limiter.peek(key)));
    const retryAfter = Math.max(
      0,
      ...states
        .filter((state, index) => state.count >= (counters[index]?.[1] ?? Number.POSITIVE_INFINITY))
        .map((s) => s.resetIn),
    );
    if (retryAfter > 0) {
      throw new ProblemError('rate_limited', 'too many attempts; try again later', {
        'retry-after': String(retryAfter),
      });
    }
  }
}
