import { createHmac } from 'node:crypto';
import { ProblemError } from '../errors.js';
import type { LimitRule, RateLimits } from '../limits.js';
import { type Claim, createFairShare } from './fairShare.js';
import { networkOf } from './ipAddress.js';
import type { Granted, Limit, RateLimiter, Reservation } from './rateLimiter.js';

/** One throttled attempt, holding its reservations until it is settled. */
export interface Attempt {
  /**
   * Settles the attempt: `counted: false` (the password was right, the server failed, the token
   * was good) hands its reservations back; `true` leaves them counted. Always frees its hashing slots.
   */
  end(counted: boolean): Promise<void>;
}

/**
 * Runs `work` as `attempt`: the attempt stays counted only when `work` fails with an error that
 * `counts` accepts (the client's failure: a wrong password, a dead token); success and the
 * server's own failures hand it back.
 */
export async function settleBy<T>(
  attempt: Attempt,
  work: () => Promise<T>,
  counts: (error: unknown) => boolean,
): Promise<T> {
  let counted = false;
  try {
    return await work();
  } catch (error) {
    counted = counts(error);
    throw error;
  } finally {
    await attempt.end(counted);
  }
}

/** A refresh, holding its failure reservation until its token proves genuine. */
export interface RefreshAttempt extends Attempt {
  /**
   * The presented token is live and belongs to `userId`: hands the failure reservation back (a
   * genuine token is no guess) and counts a refresh of the user, refusing beyond the limit with
   * 429, in one step of the limiter (on Redis, one round trip where a release at the end and a
   * count here took two). A failure after this no longer counts against the address: it needs a
   * genuine token, so it is not the guessing that limit is for.
   */
  genuine(userId: string): Promise<void>;
}

/** Who is signing in: the account, the address, and the device token of the account if the client holds one. */
export interface LoginSubject {
  readonly ip: string | null;
  /** The email key (fully normalised), whether or not an account has it. */
  readonly account: string;
  /** The device id from a valid device token of this account, if any. */
  readonly device: string | undefined;
}

/**
 * Baton's anti-automation policy. Every limit is *reserved* before the slow work it guards
 * (argon2, a token lookup), atomically in the {@link RateLimiter}, and handed back when the attempt
 * turns out not to count; so 200 parallel guesses are limited exactly like 200 in a row. Refusals
 * are 429 `rate_limited` with `Retry-After`. {@link NO_THROTTLE} switches it all off (benchmarks).
 */
export interface Throttle {
  /** Reserves a login attempt (failures counted in advance) and a hashing slot. */
  login(subject: LoginSubject): Promise<Attempt>;
  /** Reserves a registration from `ip` (every one counts) and a hashing slot. */
  register(ip: string | null): Promise<Attempt>;
  /** Reserves a check of the current password of `userId` (failures counted in advance) and a hashing slot. */
  passwordCheck(userId: string, ip: string | null): Promise<Attempt>;
  /** Reserves a refresh from `ip` (failures counted in advance, until the token proves genuine). */
  refresh(ip: string | null): Promise<RefreshAttempt>;
  /** Reserves a resource-client authentication from `ip` (failures counted in advance). */
  clientAuthentication(ip: string | null): Promise<Attempt>;
  /**
   * Counts an anonymous request for mail of `kind` to `addressKey` (known or not, so the answer
   * is the same) from `ip`, on both limits at once; every one counts.
   */
  mailRequest(kind: AnonymousMail, addressKey: string, ip: string | null): Promise<void>;
  /** Counts mail of `kind` a signed-in user asks for. */
  accountMail(kind: AccountMail, userId: string): Promise<void>;
  /** Counts one message to `addressKey`; false (drop it) beyond the cap, which no flow can exceed. */
  mailRecipient(addressKey: string): Promise<boolean>;
  /**
   * Reserves the presentation of a one-time token from `ip` (failures counted in advance, handed
   * back when the token was good) and, for a password reset, a hashing slot.
   */
  oneTimeToken(ip: string | null, hashes: boolean): Promise<Attempt>;
}

/** Mail anyone may ask for by address: it must not tell whether the address has an account. */
export type AnonymousMail = 'password_reset' | 'email_verification';
/** Mail a signed-in user asks for. */
export type AccountMail = 'email_verification' | 'email_change';

const FREE: RefreshAttempt = { end: async () => {}, genuine: async () => {} };

/** A throttle that limits nothing: `rateLimits: false` (`BATON_RATE_LIMITS=off`), for benchmarks only. */
export const NO_THROTTLE: Throttle = {
  login: async () => FREE,
  register: async () => FREE,
  passwordCheck: async () => FREE,
  refresh: async () => FREE,
  clientAuthentication: async () => FREE,
  mailRequest: async () => {},
  accountMail: async () => {},
  mailRecipient: async () => true,
  oneTimeToken: async () => FREE,
};

/**
 * The throttle of a deployment. Key names never hold an email, IP or user id in clear: each
 * subject is an HMAC under `keySecret` (shared by every instance through the store), so a Redis
 * dump or `MONITOR` reveals nothing about who tried what.
 */
export function createThrottle(limiter: RateLimiter, limits: RateLimits, keySecret: Buffer): Throttle {
  const key = (kind: string, ...parts: readonly string[]) =>
    `${kind}:${createHmac('sha256', keySecret).update(parts.join('\0')).digest('base64url').slice(0, 22)}`;
  const count = (name: string, rule: LimitRule, ...parts: readonly string[]): Limit => ({
    kind: 'count',
    key: key(name, ...parts),
    max: rule.max,
    windowSeconds: rule.windowSeconds,
  });
  const hashing = createFairShare();
  const ipClaim = (ip: string | null): Claim => ({
    key: key('hash-ip', networkOf(ip)),
    rule: limits.hashingPerIp,
  });

  /** `reservation` if granted; else the 429 that refuses it. */
  const granted = (reservation: Reservation): Granted => {
    if (!reservation.granted) throw rateLimited(reservation.retryAfter);
    return reservation;
  };
  /** Reserves `reserved` (refusing with 429), then the hashing slots `claims` (waiting for them). */
  const attempt = async (reserved: readonly Limit[], claims: readonly Claim[]): Promise<Attempt> => {
    const reservation = granted(await limiter.reserve(reserved));
    let leave: () => void = () => {};
    try {
      if (claims.length > 0) leave = await hashing.enter(claims);
    } catch (error) {
      await limiter.release(reserved, reservation);
      throw error;
    }
    return settle(reserved, reservation, leave);
  };
  /** Counts one event on every limit of `reserved`, or none of them (429). */
  const counted = async (reserved: readonly Limit[]): Promise<void> => {
    granted(await limiter.reserve(reserved));
  };
  const settle = (reserved: readonly Limit[], reservation: Granted, leave: () => void): Attempt => ({
    async end(counted) {
      leave();
      if (!counted) await limiter.release(reserved, reservation);
    },
  });

  return {
    login({ ip, account, device }) {
      const network = networkOf(ip);
      const claims = [ipClaim(ip), { key: key('hash-account', account), rule: limits.hashingPerAccount }];
      // A device the account knows has its own budget, out of reach of the account-wide and
      // per-address limits that an attacker elsewhere can exhaust.
      if (device !== undefined)
        return attempt([count('login-device', limits.loginAccountClient, device, account)], claims);
      const backoff = limits.loginAccountBackoff;
      return attempt(
        [
          count('login-ip-account', limits.loginAccountClient, network, account),
          count('login-ip', limits.loginIp, network),
          {
            kind: 'backoff',
            key: key('login-account', account),
            free: backoff.freeFailures,
            baseSeconds: backoff.baseSeconds,
            maxSeconds: backoff.maxSeconds,
            windowSeconds: backoff.windowSeconds,
          },
        ],
        claims,
      );
    },
    register: (ip) => attempt([count('register-ip', limits.registerIp, networkOf(ip))], [ipClaim(ip)]),
    passwordCheck: (userId, ip) =>
      attempt(
        [count('password-account', limits.passwordChangeAccount, userId)],
        [ipClaim(ip), { key: key('hash-account', userId), rule: limits.hashingPerAccount }],
      ),
    async refresh(ip) {
      const failures = [count('refresh-fail-ip', limits.refreshFailuresIp, networkOf(ip))];
      const reservation = granted(await limiter.reserve(failures));
      // Ours to hand back until the token proves genuine or the refresh ends, whichever is first.
      let held = true;
      return {
        async genuine(userId) {
          if (!held) return;
          held = false;
          const perUser = [count('refresh-user', limits.refreshUser, userId)];
          granted(await limiter.exchange({ limits: failures, reservation }, perUser));
        },
        async end(counted) {
          if (!held) return;
          held = false;
          if (!counted) await limiter.release(failures, reservation);
        },
      };
    },
    mailRequest: (kind, addressKey, ip) =>
      counted([
        count('mail-address', limits.mailRequestAddress, kind, addressKey),
        count('mail-ip', limits.mailRequestIp, networkOf(ip)),
      ]),
    accountMail: (kind, userId) => counted([count('mail-account', limits.accountMail, kind, userId)]),
    async mailRecipient(addressKey) {
      return (await limiter.reserve([count('mail-recipient', limits.mailRecipient, addressKey)])).granted;
    },
    clientAuthentication: (ip) =>
      attempt([count('client-auth-fail-ip', limits.clientAuthFailuresIp, networkOf(ip))], []),
    oneTimeToken: (ip, hashes) =>
      attempt(
        [count('token-fail-ip', limits.oneTimeTokenFailuresIp, networkOf(ip))],
        hashes ? [ipClaim(ip)] : [],
      ),
  };
}

function rateLimited(retryAfter: number): ProblemError {
  const wait = retryAfter < 90 ? `${retryAfter} seconds` : `${Math.ceil(retryAfter / 60)} minutes`;
  return new ProblemError('rate_limited', `Too many attempts. Try again in ${wait}.`, {
    'retry-after': String(retryAfter),
  });
}
