import { ProblemError } from '../errors.js';

/** RFC 5321 limits: 64 octets for the local part, 254 for the whole address. */
const MAX_EMAIL_LENGTH = 254;

/** A normalised email and the key that makes it unique. */
export interface NormalisedEmail {
  /** Trimmed, NFC, domain lower-cased: what we store and show. */
  readonly email: string;
  /** Fully lower-cased: `Ann@x.io` and `ann@x.io` are one account, as every user expects. */
  readonly key: string;
}

/**
 * Normalises an email address. Deliberately permissive on the local part (the only real check of
 * an address is a message sent to it) but strict on shape: one `@`, a dotted domain, no spaces.
 */
export function normaliseEmail(input: string): NormalisedEmail {
  const trimmed = input.trim().normalize('NFC');
  const at = trimmed.lastIndexOf('@');
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1).toLowerCase();
  const valid =
    at > 0 &&
    local.length <= 64 &&
    trimmed.length <= MAX_EMAIL_LENGTH &&
    !/[\s@<>()[\]\\,;:"]/.test(local) &&
    /^[^\s@.]+(\.[^\s@.]+)+$/.test(domain) &&
    !/\p{Cc}/u.test(trimmed);
  if (!valid) throw new ProblemError('invalid_request', 'email is not a valid address');
  const email = `${local}@${domain}`;
  return { email, key: email.toLowerCase() };
}
