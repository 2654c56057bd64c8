import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ProblemError } from '../errors.js';
import { HashingPool, HashingThreadError } from './hashingPool.js';

/**
 * argon2id (the library's default algorithm; its const enum cannot be imported under
 * `verbatimModuleSyntax`, and a test checks the `$argon2id$` prefix) at OWASP's first recommended
 * setting: 19 MiB, 2 passes, 1 lane. Each hash runs on a hashing thread ({@link HashingPool}),
 * never on the event loop.
 */
export const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** A byte cap as well as a character cap, so 128 four-byte characters cannot make hashing costlier. */
export const PASSWORD_MAX_BYTES = 512;

/** The 10,000 most common passwords (zxcvbn-ts frequency list, MIT), lower-cased. */
const commonPasswords: ReadonlySet<string> = new Set(
  readFileSync(new URL('../../data/common-passwords.txt', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => line.trim().toLowerCase())
    .filter(Boolean),
);

/** Counts user-perceived characters by code point (an emoji counts as one, not two UTF-16 units). */
function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Applies NIST SP 800-63B: a length range and a block-list, no composition rules.
 * Throws a {@link ProblemError} `weak_password` explaining what to change.
 */
export function assertAcceptablePassword(password: string, context: { readonly email?: string } = {}): void {
  const length = characterCount(password);
  if (length < PASSWORD_MIN_LENGTH) {
    throw new ProblemError(
      'weak_password',
      `password must be at least ${PASSWORD_MIN_LENGTH} characters long`,
    );
  }
  if (length > PASSWORD_MAX_LENGTH || Buffer.byteLength(password) > PASSWORD_MAX_BYTES) {
    throw new ProblemError(
      'weak_password',
      `password must be at most ${PASSWORD_MAX_LENGTH} characters long`,
    );
  }
  const lowered = password.toLowerCase();
  if (commonPasswords.has(lowered)) {
    throw new ProblemError(
      'weak_password',
      'password is too common: it appears in lists of breached passwords',
    );
  }
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 3 && lowered === local) {
    throw new ProblemError('weak_password', 'password must not be your email address');
  }
}

/**
 * Hashes running at once, process-wide: all cores but one, so that the event loop keeps a core
 * while a login storm hashes on the others (on one core, one hash at a time). Hashes beyond it
 * wait their turn; the rate limits bound how many can queue per client.
 */
export const HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);

/**
 * The hashing threads' nice value: when a core is contested, the scheduler gives the event loop
 * (nice 0) about nine tenths of it.
 */
export const HASHING_NICE = 10;

let pool: HashingPool | undefined;

/** The process's hashing threads, made on first use (importing this module starts nothing). */
function hashing(): HashingPool {
  // Linux keeps a nice value per thread; elsewhere (macOS, the BSDs) it would slow the whole process.
  pool ??= new HashingPool({
    threads: HASH_CONCURRENCY,
    nice: process.platform === 'linux' ? HASHING_NICE : 0,
  });
  return pool;
}

/** Hashes a password to a PHC string, on a hashing thread. */
export function hashPassword(password: string): Promise<string> {
  return hashing().run({ op: 'hash', password: password.normalize('NFC'), options: ARGON2_OPTIONS });
}

/**
 * Checks a password against a PHC string, on a hashing thread. False for a malformed hash; a
 * failed hashing thread throws, for known and unknown emails alike, so it cannot tell them apart.
 */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await hashing().run({ op: 'verify', hash: passwordHash, password: password.normalize('NFC') });
  } catch (error) {
    if (error instanceof HashingThreadError) throw error;
    return false;
  }
}

/** Password hashes running and waiting now (for metrics and tests). */
export function hashingLoad(): { readonly active: number; readonly waiting: number } {
  return hashing().load;
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same work as a real verification, for logins with an unknown email, so the answer
 * time does not reveal which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  // A failed attempt is not remembered: the next login tries again.
  dummyHash ??= hashPassword('baton-dummy-password-for-timing').catch((error: unknown) => {
    dummyHash = undefined;
    throw error;
  });
  await verifyPassword(await dummyHash, password);
  return false;
}
