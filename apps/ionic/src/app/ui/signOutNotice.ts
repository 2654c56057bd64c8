import type { SignOutReason } from '@baton/client';

/** Why the user is on the login page after a forced sign-out, in words (the `reason` query parameter). */
export function signOutNotice(reason: string | undefined): string | null {
  const notices: Record<Exclude<SignOutReason, 'logout'>, string> = {
    revoked:
      'You were signed out because this session was ended from another device. Sign in again to continue.',
    reused:
      'You were signed out to protect your account: your sign-in was used from two places at once. Sign in again, and change your password if that was not you.',
    refresh_failed: 'Your session has expired. Sign in again to continue where you left off.',
    deleted: 'Your account has been deleted, with everything in it. You can create a new one at any time.',
  };
  return reason !== undefined && reason in notices ? notices[reason as keyof typeof notices] : null;
}
