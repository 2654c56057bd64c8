import { ProblemError } from '../errors.js';
import { links } from '../mail/mailer.js';
import { EmailTakenError, type UserRecord } from '../store/store.js';
import { type AuthDeps, audit, type CoreDeps, type RequestMeta } from './context.js';
import { normaliseEmail } from './emails.js';
import { digestOf, issueOneTimeToken, isUnusableToken, unusableToken } from './oneTimeLinks.js';
import { settleBy } from './throttle.js';

/** Mails `user` a link that verifies their current address. */
export async function sendVerification(deps: AuthDeps, user: UserRecord): Promise<void> {
  const address = normaliseEmail(user.email);
  const token = await issueOneTimeToken(deps, user, 'email_verification', deps.config.emailTokenTtl, address);
  await deps.mailer.queue({
    kind: 'email_verification',
    userId: user.id,
    recipient: user.email,
    recipientKey: address.key,
    params: { name: user.name ?? '', link: links.verifyEmail(deps.config, token) },
  });
}

/**
 * Mails the signed-in user a new verification link (a few per hour). Nothing is sent when the
 * address is already verified.
 */
export async function resendVerification(deps: AuthDeps, userId: string): Promise<void> {
  const user = await deps.store.findUserById(userId);
  if (!user || user.disabled) throw new ProblemError('invalid_token', 'the account no longer exists');
  if (user.emailVerified) return;
  await deps.throttle.accountMail('email_verification', user.id);
  await sendVerification(deps, user);
}

/**
 * Mails a new verification link to `email` if an unverified account has it, for a user who cannot
 * sign in before verifying (`requireVerifiedEmail`). Like a password reset request, the answer
 * does not wait for the lookup: it is the same, in the same time, whether or not the account exists.
 */
export async function resendVerificationTo(deps: AuthDeps, email: string, meta: RequestMeta): Promise<void> {
  const { key } = normaliseEmail(email);
  await deps.throttle.mailRequest('email_verification', key, meta.ip);
  deps.background.run(async () => {
    const user = await deps.store.findUserByEmailKey(key);
    if (user && !user.disabled && !user.emailVerified) await sendVerification(deps, user);
  });
}

/**
 * Follows an email link: a verification (`bev_`) verifies the address it was sent to, an email
 * change (`bec_`) moves the account to the new address it was sent to (which is then verified).
 * Either is single-use; a refused token counts against the per-IP scanning limit.
 */
export async function confirmEmailLink(deps: AuthDeps, token: string, meta: RequestMeta): Promise<void> {
  const attempt = await deps.throttle.oneTimeToken(meta.ip, false);
  await settleBy(
    attempt,
    async () => {
      const { purpose, tokenHash } = digestOf(
        token,
        ['email_verification', 'email_change'],
        'email_verification',
      );
      const outcome = await deps.store.consumeOneTimeToken(tokenHash, purpose, deps.clock.now());
      if (outcome.status !== 'consumed') throw unusableToken(purpose, outcome.status);
      const user = await deps.store.findUserById(outcome.token.userId);
      if (!user || user.disabled || outcome.token.emailKey === null || outcome.token.email === null)
        throw unusableToken(purpose, 'invalid');
      if (purpose === 'email_change') {
        await moveToAddress(deps, user, { email: outcome.token.email, key: outcome.token.emailKey }, meta);
        return;
      }
      // A link to an address the account no longer has verifies nothing.
      if (normaliseEmail(user.email).key !== outcome.token.emailKey) throw unusableToken(purpose, 'invalid');
      await deps.store.setEmailVerified(user.id, true);
      await audit(deps, 'email_verified', meta, { userId: user.id });
    },
    isUnusableToken,
  );
}

async function moveToAddress(
  deps: AuthDeps,
  user: UserRecord,
  address: { readonly email: string; readonly key: string },
  meta: RequestMeta,
): Promise<void> {
  try {
    await deps.store.changeUserEmail(user.id, address.email, address.key);
  } catch (error) {
    // Someone registered the address between the request and this confirmation: whoever holds
    // this link reads that mailbox, so saying so tells them nothing new.
    if (error instanceof EmailTakenError)
      throw new ProblemError(
        'email_taken',
        'Another account now uses this address, so yours keeps its old one.',
      );
    throw error;
  }
  const now = deps.clock.now();
  // Links to the old address, and other pending moves, end with the move: a reset link there
  // would let whoever reads the mailbox the owner just left set the password.
  await deps.store.voidOneTimeTokens(user.id, 'email_change', now);
  await deps.store.voidOneTimeTokens(user.id, 'email_verification', now);
  await deps.store.voidOneTimeTokens(user.id, 'password_reset', now);
  await audit(deps, 'email_changed', meta, { userId: user.id });
}

/** An operator marks an address verified (`baton users verify-email`). */
export async function markEmailVerified(deps: CoreDeps, user: UserRecord, meta: RequestMeta): Promise<void> {
  await deps.store.setEmailVerified(user.id, true);
  await audit(deps, 'email_verified', meta, { userId: user.id }, { by: 'operator' });
}
