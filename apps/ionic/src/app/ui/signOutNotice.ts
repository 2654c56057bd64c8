import type { SignOutReason } from '@baton/client';

/** Why the user is on the login page after a forced sign-out, in words (the `reason` query parameter). */
export function signOutNotice(reason: string | undefined): string | null {
  const notices: Record<Exclude<SignOutReason, 'logout'>, string> = {
    revoked:
      'You were signed out because this session was ended from another device. Sign in again to continue.',
    reused:
      'You were signed out to protect your account: your sign-in was used from two places at once. Sign in again, and change your password if that was not you.',
    refresh_failed: 'Your session has expired. Sign in again to continue where you left off.',
    deleted:
      'Your account is deleted, with all its todos and sessions. You can create a new one at any time.',
  };
  return reason !== undefined && reason in notices ? notices[reason as keyof typeof notices] : null;
}

/** What the login page says after a completed account operation (the `notice` query parameter). */
export function accountNotice(notice: string | undefined): string | null {
  const notices: Record<string, string> = {
    'password-reset':
      'Your password is changed; sign in with it. Every device that was signed in is signed out.',
  };
  return notice !== undefined && Object.hasOwn(notices, notice) ? (notices[notice] ?? null) : null;
}
