import { links } from '../mail/mailer.js';
import type { UserRecord } from '../store/store.js';
import { timedHash } from './accounts.js';
import { type AuthDeps, audit, type CoreDeps, type RequestMeta } from './context.js';
import { normaliseEmail } from './emails.js';
import { digestOf, issueOneTimeToken, isUnusableToken, unusableToken } from './oneTimeLinks.js';
import { assertAcceptablePassword } from './passwords.js';
import { settleBy } from './throttle.js';

/**
 * "Forgot password": mails a single-use reset link to `email` if an account has it. The limits
 * (per address and per IP) are counted before anything else and apply to unknown addresses
 * alike; then the answer leaves at once, and the lookup, the token and the mail are written
 * after it, so neither the answer nor its time tells whether the address has an account.
 */
export async function requestPasswordReset(deps: AuthDeps, email: string, meta: RequestMeta): Promise<void> {
  const { key } = normaliseEmail(email);
  await deps.throttle.mailRequest('password_reset', key, meta.ip);
  deps.background.run(async () => {
    const user = await deps.store.findUserByEmailKey(key);
    if (!user || user.disabled) return;
    const token = await issueOneTimeToken(deps, user, 'password_reset', deps.config.resetTtl);
    await deps.mailer.queue({
      kind: 'password_reset',
      userId: user.id,
      recipient: user.email,
      recipientKey: key,
      params: { name: user.name ?? '', link: links.resetPassword(deps.config, token) },
    });
    await audit(deps, 'password_reset_requested', meta, { userId: user.id });
  });
}

/**
 * Sets a new password with a reset link's token. The token is checked first and the password
 * policy applied before it is spent (a weak password keeps the link usable); then it is consumed
 * by one conditional statement, so of any number of concurrent resets with one token exactly one
 * sets a password. Every session of the user ends, the user's other reset links die, and the
 * address counts as verified (the link was read in its mailbox).
 */
export async function resetPassword(
  deps: AuthDeps,
  input: { readonly token: string; readonly newPassword: string },
  meta: RequestMeta,
): Promise<void> {
  const attempt = await deps.throttle.oneTimeToken(meta.ip, true);
  const user = await settleBy(
    attempt,
    async () => {
      const { tokenHash } = digestOf(input.token, ['password_reset'], 'password_reset');
      const found = await deps.store.findOneTimeToken(tokenHash);
      if (found?.purpose !== 'password_reset' || found.usedAt !== null)
        throw unusableToken('password_reset', 'invalid');
      if (found.expiresAt <= deps.clock.now()) throw unusableToken('password_reset', 'expired');
      const owner = await deps.store.findUserById(found.userId);
      if (owner === undefined || owner.disabled) throw unusableToken('password_reset', 'invalid');
      assertAcceptablePassword(input.newPassword, { email: owner.email });
      const passwordHash = await timedHash(deps, input.newPassword);
      const outcome = await deps.store.consumeOneTimeToken(tokenHash, 'password_reset', deps.clock.now());
      if (outcome.status !== 'consumed') throw unusableToken('password_reset', outcome.status);
      await deps.store.updatePasswordHash(owner.id, passwordHash, deps.clock.now());
      return owner;
    },
    isUnusableToken,
  );
  const revoked = await endEverything(deps, user, 'password_reset');
  if (!user.emailVerified) await deps.store.setEmailVerified(user.id, true);
  await audit(deps, 'password_reset', meta, { userId: user.id }, { revoked });
}

/**
 * An operator sets a password (`baton users set-password`): the policy applies, every session
 * ends and pending reset links die, as after a reset.
 */
export async function setPasswordByOperator(
  deps: CoreDeps,
  user: UserRecord,
  password: string,
  meta: RequestMeta,
): Promise<number> {
  assertAcceptablePassword(password, { email: user.email });
  await deps.store.updatePasswordHash(user.id, await timedHash(deps, password), deps.clock.now());
  const revoked = await endEverything(deps, user, 'admin');
  await audit(deps, 'password_changed', meta, { userId: user.id }, { by: 'operator', revoked });
  return revoked;
}

/** After a new password: every session ends at once and every other reset link dies. */
async function endEverything(
  deps: CoreDeps,
  user: UserRecord,
  reason: 'password_reset' | 'admin',
): Promise<number> {
  const now = deps.clock.now();
  const revoked = await deps.store.revokeUserSessions(user.id, reason, now);
  deps.sessions?.forget();
  await deps.store.voidOneTimeTokens(user.id, 'password_reset', now);
  return revoked;
}
