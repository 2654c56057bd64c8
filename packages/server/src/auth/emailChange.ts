import { ProblemError } from '../errors.js';
import { links } from '../mail/mailer.js';
import { checkCurrentPassword, liveAccount } from './accounts.js';
import { type AuthDeps, audit, type RequestMeta } from './context.js';
import { normaliseEmail } from './emails.js';
import { issueOneTimeToken } from './oneTimeLinks.js';

/**
 * Asks to move the signed-in user's account to `newEmail`, after re-checking the password. The
 * address changes only when the link mailed to the new address is followed; the old address is
 * told at once, so the owner of a stolen session hears of it.
 *
 * A taken address answers exactly like a free one (202): its owner gets a notice instead of a
 * link, and the requester learns nothing that registration would not tell them.
 */
export async function requestEmailChange(
  deps: AuthDeps,
  userId: string,
  input: { readonly newEmail: string; readonly password: string },
  meta: RequestMeta,
): Promise<void> {
  const user = await liveAccount(deps, userId);
  const target = normaliseEmail(input.newEmail);
  const current = normaliseEmail(user.email);
  if (target.key === current.key)
    throw new ProblemError('invalid_request', 'This is already the address of your account.');
  await checkCurrentPassword(deps, user, input.password, meta);
  await deps.throttle.accountMail('email_change', user.id);
  const owner = await deps.store.findUserByEmailKey(target.key);
  if (owner) {
    await deps.mailer.queue({
      kind: 'email_taken_notice',
      userId: owner.id,
      recipient: owner.email,
      recipientKey: target.key,
      params: { newEmail: target.email },
    });
  } else {
    const token = await issueOneTimeToken(deps, user, 'email_change', deps.config.emailTokenTtl, target);
    await deps.mailer.queue({
      kind: 'email_change',
      userId: user.id,
      recipient: target.email,
      recipientKey: target.key,
      params: { name: user.name ?? '', link: links.verifyEmail(deps.config, token), newEmail: target.email },
    });
  }
  await deps.mailer.queue({
    kind: 'email_change_notice',
    userId: user.id,
    recipient: user.email,
    recipientKey: current.key,
    params: { name: user.name ?? '', newEmail: target.email },
  });
  await audit(deps, 'email_change_requested', meta, { userId: user.id });
}
