/**
 * The anti-automation limits as data: their shapes and defaults, read by the configuration and
 * enforced by `auth/throttle.ts`. SECURITY.md explains each one and names its test.
 */

/** At most `max` events per `windowSeconds`. */
export interface LimitRule {
  readonly max: number;
  readonly windowSeconds: number;
}

/** Free failures, then a lock that doubles with each further failure, up to `maxSeconds`. */
export interface BackoffRule {
  readonly freeFailures: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  /** Failures are counted over this window. */
  readonly windowSeconds: number;
}

/** At most `inFlight` tasks of one key at a time; at most `queue` more waiting their turn. */
export interface ShareRule {
  readonly inFlight: number;
  readonly queue: number;
}

/** Every throttling knob, with the defaults in {@link DEFAULT_LIMITS}. */
export interface RateLimits {
  /** Failed logins for one account from one client: a known device, else an IP (brute force from one place). */
  readonly loginAccountClient: LimitRule;
  /** Failed logins from one IP over all accounts, for clients unknown to the account (password spraying). */
  readonly loginIp: LimitRule;
  /** Failed logins for one account from clients unknown to it, from anywhere (a botnet). */
  readonly loginAccountBackoff: BackoffRule;
  /** Registrations from one IP (account farming). */
  readonly registerIp: LimitRule;
  /** Failed refreshes from one IP (token guessing, scanning). */
  readonly refreshFailuresIp: LimitRule;
  /** Successful refreshes per user (a runaway client loop). */
  readonly refreshUser: LimitRule;
  /** Wrong current passwords per account, shared by password change, email change and account deletion. */
  readonly passwordChangeAccount: LimitRule;
  /** Failed resource-client authentications (introspection) from one IP (secret guessing). */
  readonly clientAuthFailuresIp: LimitRule;
  /** Anonymous mail requests (forgot password, resend verification) per address and kind, known or not. */
  readonly mailRequestAddress: LimitRule;
  /** Anonymous mail requests from one IP (walking through addresses). */
  readonly mailRequestIp: LimitRule;
  /** Mail a signed-in user asks for (verification resends, email changes) per account and kind. */
  readonly accountMail: LimitRule;
  /** Account mail to one address over every kind and every account: nobody's inbox can be flooded. */
  readonly mailRecipient: LimitRule;
  /** Refused one-time tokens (reset, verification) from one IP (scanning). */
  readonly oneTimeTokenFailuresIp: LimitRule;
  /** Password hashes of one IP running at once, and waiting. */
  readonly hashingPerIp: ShareRule;
  /** Password hashes for one account running at once, and waiting. */
  readonly hashingPerAccount: ShareRule;
}

const MINUTE = 60;

export const DEFAULT_LIMITS: RateLimits = {
  loginAccountClient: { max: 10, windowSeconds: 15 * MINUTE },
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
  mailRequestAddress: { max: 3, windowSeconds: 60 * MINUTE },
  mailRequestIp: { max: 20, windowSeconds: 60 * MINUTE },
  accountMail: { max: 3, windowSeconds: 60 * MINUTE },
  mailRecipient: { max: 10, windowSeconds: 60 * MINUTE },
  oneTimeTokenFailuresIp: { max: 30, windowSeconds: 15 * MINUTE },
  hashingPerIp: { inFlight: 4, queue: 32 },
  hashingPerAccount: { inFlight: 2, queue: 8 },
};
