import { HttpErrorResponse } from '@angular/common/http';
import { AuthError, type AuthErrorCode } from '@baton/client';

/** The form field a message belongs to, when it belongs to one. */
export type Field = 'email' | 'password' | 'currentPassword' | 'name';

/** A failure as the user reads it: a sentence, and the field it is about (if any). */
export interface Problem {
  readonly message: string;
  readonly field?: Field;
  /** The other fields the refusal is about: a change to any of them makes it stale too. */
  readonly alsoAbout?: readonly Field[];
}

const OFFLINE = 'The server cannot be reached. Check your connection and try again.';
const FALLBACK = 'Something went wrong on our side. Try again in a moment.';

/** What each code means to a person, written for them (the server's `detail` is for developers). */
const PROBLEMS: Partial<Record<AuthErrorCode, Problem>> = {
  invalid_credentials: {
    // Shown under the password, but either field may be the wrong one.
    field: 'password',
    alsoAbout: ['email'],
    message: 'This email and password do not match. Check both and try again.',
  },
  email_taken: { field: 'email', message: 'An account with this email already exists. Sign in instead.' },
  weak_password: {
    field: 'password',
    message:
      'This password is too common or too easy to guess. Choose a longer one, such as a few unrelated words.',
  },
  invalid_current_password: {
    field: 'currentPassword',
    message: 'This is not your current password. Check it and try again.',
  },
  invalid_reset_token: {
    message:
      'This reset link does not work: it was already used, or a newer one was sent. Ask for a new link.',
  },
  reset_token_expired: { message: 'This reset link has expired. Ask for a new link.' },
  invalid_verification_token: {
    message:
      'This link does not work: it was already used, or a newer one was sent. Use the newest link you received.',
  },
  verification_token_expired: {
    message: 'This link has expired. Sign in and ask for a new one from the banner at the top.',
  },
  rate_limited: { message: 'Too many attempts. Wait a minute, then try again.' },
  storage_unavailable: {
    message:
      'The service is having trouble on its side. Nothing you did caused this: try again in a few seconds.',
  },
  invalid_request: { message: 'Some of this was not accepted. Check the fields and try again.' },
  network_error: { message: OFFLINE },
  refresh_unavailable: {
    message: 'The server cannot be reached right now. You are still signed in; try again in a moment.',
  },
  session_expired: { message: 'Your session has ended. Sign in again to continue.' },
  not_found: { message: 'This item no longer exists. It was probably deleted on another device.' },
};

/** The sentence to show for a failed call, and the field it belongs to. */
export function describeError(error: unknown): Problem {
  if (error instanceof AuthError) {
    if (error.code === 'rate_limited' && error.retryAfterMs !== undefined) return tooMany(error.retryAfterMs);
    return PROBLEMS[error.code] ?? { message: FALLBACK };
  }
  if (error instanceof HttpErrorResponse) {
    if (error.status === 0) return { message: OFFLINE };
    const code: unknown = (error.error as { code?: unknown } | null)?.code;
    const retryAfter = Number(error.headers?.get('retry-after') ?? Number.NaN);
    if (code === 'rate_limited' && Number.isInteger(retryAfter)) return tooMany(retryAfter * 1000);
    if (typeof code === 'string' && code in PROBLEMS)
      return PROBLEMS[code as AuthErrorCode] ?? { message: FALLBACK };
    if (error.status === 404) return PROBLEMS.not_found ?? { message: FALLBACK };
  }
  return { message: FALLBACK };
}

/**
 * Too many attempts, with the wait the server named: a lockout after repeated wrong passwords
 * lasts minutes, and "wait a minute" would send the person back too early.
 */
function tooMany(waitMs: number): Problem {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const wait =
    seconds === 1 ? '1 second' : seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  return { message: `Too many attempts. Try again in ${wait}.` };
}

/** The sentence alone, for toasts. */
export function errorMessage(error: unknown): string {
  return describeError(error).message;
}
