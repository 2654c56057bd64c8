import type { RateLimits } from '../../src/limits.js';

/** Requests from a chosen client address (servers in these tests trust one proxy hop). */
export const from = (ip: string) => ({ 'x-forwarded-for': ip });

const OFF = { max: 1_000_000, windowSeconds: 60 } as const;

/** Rate limits with every limit out of the way except those given, so one limit can be tested alone. */
export function onlyLimits(limits: Partial<RateLimits>): RateLimits {
  return {
    loginAccountClient: OFF,
    loginIp: OFF,
    loginAccountBackoff: { freeFailures: 1_000_000, baseSeconds: 1, maxSeconds: 1, windowSeconds: 60 },
    registerIp: OFF,
    refreshFailuresIp: OFF,
    refreshUser: OFF,
    passwordChangeAccount: OFF,
    clientAuthFailuresIp: OFF,
    mailRequestAddress: OFF,
    mailRequestIp: OFF,
    accountMail: OFF,
    mailRecipient: OFF,
    oneTimeTokenFailuresIp: OFF,
    hashingPerIp: { inFlight: 1000, queue: 1000 },
    hashingPerAccount: { inFlight: 1000, queue: 1000 },
    ...limits,
  };
}
