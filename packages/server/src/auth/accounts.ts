import { randomUUID } from 'node:crypto';
import { ProblemError } from '../errors.js';
import { EmailTakenError, type UserRecord } from '../store/store.js';
import {
  type AuthDeps,
  audit,
  auditEvent,
  type CoreDeps,
  type PublicUser,
  publicUser,
  type RequestMeta,
} from './context.js';
import { normaliseEmail } from './emails.js';
import { sendVerification } from './emailVerification.js';
import { normaliseName } from './names.js';
import {
  assertAcceptablePassword,
  hashPassword,
  PASSWORD_MAX_BYTES,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords.js';
import { startSession, type TokenResponse } from './sessions.js';
import { settleBy } from './throttle.js';

export interface Registration {
  readonly email: string;
  readonly password: string;
  readonly name?: string | undefined;
}

export interface Credentials {
  readonly email: string;
  readonly password: string;
  /** The device token this client received at an earlier sign-in to the account, if any. */
  readonly deviceToken?: string | undefined;
}

/** A sign-in's answer: the tokens, and the device token the client keeps for its next sign-in. */
export type SignInResponse = TokenResponse & { readonly deviceToken: string };

/** A registration that cannot sign in before its email is verified (`requireVerifiedEmail`). */
export interface PendingRegistration {
  readonly user: PublicUser;
  readonly emailVerificationRequired: true;
}

/**
 * Creates an account, mails it a verification link, and signs it in; or, when sign-in needs a
 * verified email, answers without tokens.
 */
export async function register(
  deps: AuthDeps,
  input: Registration,
  meta: RequestMeta,
): Promise<SignInResponse | PendingRegistration> {
  // Checked before the limit is touched: a typo in the form costs no registration.
  const { email } = normaliseEmail(input.email);
  assertAcceptablePassword(input.password, { email });
  // Every registration counts, whatever its outcome: the reservation is never handed back.
  const attempt = await deps.throttle.register(meta.ip);
  let user: UserRecord;
  try {
    user = await createAccount(deps, input, meta);
  } finally {
    await attempt.end(true);
  }
  await sendVerification(deps, user);
  if (deps.config.requireVerifiedEmail) return { user: publicUser(user), emailVerificationRequired: true };
  const tokens = await startSession(deps, user, meta);
  // Deleted or disabled by an operator in the moment since it was created.
  if (!tokens)
    throw new ProblemError('invalid_credentials', 'This account is no longer available. Sign in again.');
  return { ...tokens, deviceToken: deps.devices.issue(user.id) };
}

/**
 * Creates an account (no session): the email normalised and unique, the password checked against
 * the policy and hashed, an audit event written. Shared by registration and `baton users create`.
 */
export async function createAccount(
  deps: CoreDeps,
  input: Registration,
  meta: RequestMeta,
): Promise<UserRecord> {
  const { email, key } = normaliseEmail(input.email);
  assertAcceptablePassword(input.password, { email });
  normaliseName(input.name);
  const passwordHash = await timedHash(deps, input.password);
  let user: UserRecord;
  try {
    user = await deps.store.createUser({
      id: randomUUID(),
      email,
      emailKey: key,
      name: normaliseName(input.name),
      passwordHash,
      createdAt: deps.clock.now(),
    });
  } catch (error) {
    if (error instanceof EmailTakenError)
      throw new ProblemError('email_taken', 'An account with this email already exists.');
    throw error;
  }
  await audit(deps, 'user_registered', meta, { userId: user.id });
  return user;
}

/**
 * Disables an account and ends all its sessions, or enables it again: an operator's action.
 * Returns how many sessions were ended.
 */
export async function setAccountDisabled(
  deps: CoreDeps,
  user: UserRecord,
  disabled: boolean,
  meta: RequestMeta,
): Promise<number> {
  await deps.store.setUserDisabled(user.id, disabled);
  if (!disabled) {
    await audit(deps, 'user_enabled', meta, { userId: user.id });
    return 0;
  }
  const ended = await deps.store.revokeUserSessions(user.id, 'disabled', deps.clock.now());
  deps.sessions?.forget();
  await audit(deps, 'user_disabled', meta, { userId: user.id }, { sessions: ended });
  return ended;
}

/**
 * Signs a user in. Unknown email, wrong password and disabled account all answer the same
 * `invalid_credentials` after the same argon2 work, so neither the body nor the time tells
 * whether an account exists. The attempt is reserved against the limits before the hash and handed
 * back only on success (see `throttle.ts`); a valid device token of the account gives this client
 * a budget of its own.
 */
export async function login(deps: AuthDeps, input: Credentials, meta: RequestMeta): Promise<SignInResponse> {
  const { key } = normaliseEmail(input.email);
  const user = await deps.store.findUserByEmailKey(key);
  const device = user && deps.devices.verify(user.id, input.deviceToken);
  const attempt = await deps.throttle.login({ ip: meta.ip, account: key, device });
  const signedIn = await settleBy(
    attempt,
    async () => {
      const tooLong = Buffer.byteLength(input.password) > PASSWORD_MAX_BYTES;
      const started = performance.now();
      const ok =
        user && !tooLong
          ? await verifyPassword(user.passwordHash, input.password)
          : await verifyAgainstDummy(input.password);
      deps.observe?.({ kind: 'password_hash', seconds: (performance.now() - started) / 1000 });
      if (user && ok && !user.disabled) return user;
      await audit(
        deps,
        'login_failed',
        meta,
        { userId: user?.id ?? null },
        { reason: user ? 'password' : 'unknown_email', knownDevice: device !== undefined },
      );
      deps.observe?.({ kind: 'login', ok: false });
      throw new ProblemError('invalid_credentials', 'The email or password is incorrect.');
    },
    (error) => error instanceof ProblemError,
  );
  // Only after the right password: the answer must not tell strangers which accounts are unverified.
  if (deps.config.requireVerifiedEmail && !signedIn.emailVerified) {
    await audit(deps, 'login_failed', meta, { userId: signedIn.id }, { reason: 'email_not_verified' });
    throw new ProblemError(
      'email_not_verified',
      'Confirm your email address first: open the link we mailed you, or ask for a new one.',
    );
  }
  // The session and its audit event in one transaction: the event exists exactly when the session
  // does, and a login costs one durable write (on SQLite it joins the turn's group commit, whose
  // fsync runs off the event loop).
  const tokens = await startSession(
    deps,
    signedIn,
    meta,
    auditEvent(deps, 'login_succeeded', meta, { userId: signedIn.id }),
  );
  if (!tokens) {
    // The password was reset or changed, or the account disabled or deleted, while it was being
    // checked: the password that was checked no longer opens the account. Same answer as a wrong one.
    // A deleted account gets no event: its trail was scrubbed of addresses and devices.
    if (await deps.store.findUserById(signedIn.id)) {
      await audit(deps, 'login_failed', meta, { userId: signedIn.id }, { reason: 'account_changed' });
    }
    deps.observe?.({ kind: 'login', ok: false });
    throw new ProblemError('invalid_credentials', 'The email or password is incorrect.');
  }
  deps.observe?.({ kind: 'login', ok: true });
  // A device already known keeps its token; any other client gets one for next time.
  const known = device === undefined ? undefined : input.deviceToken;
  return { ...tokens, deviceToken: known ?? deps.devices.issue(signedIn.id) };
}

/** Changes a password after re-checking the current one, ends every other session and voids reset links. */
export async function changePassword(
  deps: AuthDeps,
  subject: { readonly userId: string; readonly sessionId: string },
  input: { readonly currentPassword: string; readonly newPassword: string },
  meta: RequestMeta,
): Promise<void> {
  const user = await liveAccount(deps, subject.userId);
  await checkCurrentPassword(deps, user, input.currentPassword, meta);
  assertAcceptablePassword(input.newPassword, { email: user.email });
  const now = deps.clock.now();
  await deps.store.updatePasswordHash(user.id, await timedHash(deps, input.newPassword), now);
  const revoked = await deps.store.revokeUserSessions(user.id, 'password_change', now, subject.sessionId);
  deps.sessions.forget();
  // As after a reset: a link mailed before the owner chose this password must not replace it.
  await deps.store.voidOneTimeTokens(user.id, 'password_reset', now);
  await audit(deps, 'password_changed', meta, { userId: user.id, sessionId: subject.sessionId }, { revoked });
}

/** The signed-in user's account, or 401 when it was deleted or disabled since the token was issued. */
export async function liveAccount(deps: CoreDeps, userId: string): Promise<UserRecord> {
  const user = await deps.store.findUserById(userId);
  if (!user || user.disabled) throw new ProblemError('invalid_token', 'the account no longer exists');
  return user;
}

/**
 * Re-checks the signed-in user's password before a change that a stolen access token must not
 * make (password, email, deletion). All of them share one budget of wrong guesses per account,
 * reserved before the hash.
 */
export async function checkCurrentPassword(
  deps: AuthDeps,
  user: UserRecord,
  password: string,
  meta: RequestMeta,
): Promise<void> {
  const attempt = await deps.throttle.passwordCheck(user.id, meta.ip);
  await settleBy(
    attempt,
    async () => {
      if (await verifyPassword(user.passwordHash, password)) return;
      // 403, not 401: a 401 would make client SDKs refresh the access token and send the same wrong password again.
      throw new ProblemError('invalid_current_password', 'The current password is incorrect.');
    },
    (error) => error instanceof ProblemError,
  );
}

/** Hashes a password, observing how long it took (metrics). */
export async function timedHash(deps: CoreDeps, password: string): Promise<string> {
  const started = performance.now();
  const hash = await hashPassword(password);
  deps.observe?.({ kind: 'password_hash', seconds: (performance.now() - started) / 1000 });
  return hash;
}
