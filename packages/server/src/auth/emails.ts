import { domainToASCII, domainToUnicode } from 'node:url';
import { ProblemError } from '../errors.js';

/** RFC 5321 limits: 64 octets for the local part, 254 for the whole address. */
const MAX_LOCAL_BYTES = 64;
const MAX_EMAIL_BYTES = 254;

/**
 * Characters no address needs and look-alike attacks use: controls (Cc), format characters (Cf:
 * zero-width spaces and joiners, the soft hyphen, bidi overrides and isolates, the BOM), line and
 * paragraph separators, and spaces of any kind.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\s]/u;
/** Characters that are special in an address's local part (RFC 5322) and that we do not accept unquoted. */
const LOCAL_SPECIALS = /[@<>()[\]\\,;:"]/;
/** One DNS label of an ASCII (A-label) domain: letters, digits and inner hyphens. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A normalised email and the key that makes it unique. */
export interface NormalisedEmail {
  /** What we store and show: NFKC, the domain lower-cased and in its Unicode form. */
  readonly email: string;
  /**
   * The uniqueness key: the local part lower-cased and the domain in ASCII (IDNA A-labels), so that
   * `Ann@x.io`, `ａｎｎ@x.io` (full-width) and `ann@X.IO` are one account, and so are
   * `ann@bücher.example` and `ann@xn--bcher-kva.example`: one mailbox, one account.
   */
  readonly key: string;
}

/**
 * Normalises an email address: trimmed, NFKC (full-width and compatibility forms folded), no
 * invisible or bidi characters, the domain converted with IDNA (UTS #46) and checked as
 * letters-digits-hyphens labels. Permissive on the local part otherwise (the only real check of
 * an address is a message sent to it). Throws 400 `invalid_request` with a sentence for a person.
 */
export function normaliseEmail(input: string): NormalisedEmail {
  const text = input.trim().normalize('NFKC');
  if (INVISIBLE.test(text)) throw invalid('It contains spaces or invisible characters.');
  const at = text.lastIndexOf('@');
  const local = text.slice(0, at);
  const ascii = at > 0 ? domainToASCII(text.slice(at + 1)) : '';
  const labels = ascii.split('.');
  const validDomain =
    ascii.length > 0 &&
    ascii.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    !/^\d+$/.test(labels.at(-1) ?? '');
  if (at <= 0 || !validDomain || LOCAL_SPECIALS.test(local) || Buffer.byteLength(local) > MAX_LOCAL_BYTES) {
    throw invalid('Check it for typos: it should look like name@example.com.');
  }
  const key = `${local.toLowerCase()}@${ascii}`;
  if (Buffer.byteLength(key) > MAX_EMAIL_BYTES) throw invalid('It is too long.');
  return { email: `${local}@${domainToUnicode(ascii)}`, key };
}

function invalid(why: string): ProblemError {
  return new ProblemError('invalid_request', `This is not a valid email address. ${why}`);
}
