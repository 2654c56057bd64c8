import { randomUUID } from 'node:crypto';
import { ProblemError } from '../errors.js';
import { EmailTakenError, type UserRecord } from '../store/store.js';
import { type AuthDeps, audit, type RequestMeta } from './context.js';
import { normaliseEmail } from './emails.js';
import {
  assertAcceptablePassword,
  hashPassword,
  PASSWORD_MAX_BYTES,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords.js';
import { startSession, type TokenResponse } from './sessions.js';

export interface Registration {
  readonly email: string;
  readonly password: string;
  readonly name?: string | undefined;
}

export interface Credentials {
  readonly email: string;
  readonly password: string;
}

/** Creates an account and signs it in. */
export async function register(
  deps: AuthDeps,
  input: Registration,
  meta: RequestMeta,
): Promise<TokenResponse> {
  const { email, key } = normaliseEmail(input.email);
  assertAcceptablePassword(input.password, { email });
  await deps.throttle.register(meta.ip);
  const passwordHash = await timedHash(deps, input.password);
  const now = deps.clock.now();
  let user: UserRecord;
  try {
    user = await deps.store.createUser({
      id: randomUUID(),
      email,
      emailKey: key,
      name: input.name?.trim() || null,
      passwordHash,
      createdAt: now,
    });
  } catch (error) {
    if (error instanceof EmailTakenError)
      throw new ProblemError('email_taken', 'an account with this email already exists');
    throw error;
  }
  await audit(deps, 'user_registered', meta, { userId: user.id });
  return startSession(deps, user, meta);
}

/**
 * Signs a user in. Unknown email, wrong password and disabled account all answer the same
 * `invalid_credentials` after the same argon2 work, so neither the body nor the time tells
 * whether an account exists. Failures are throttled per (IP, account) and per IP.
 */
export async function login(deps: AuthDeps, input: Credentials, meta: RequestMeta): Promise<TokenResponse> {
  const { key } = normaliseEmail(input.email);
  await deps.throttle.beforeLogin(meta.ip, key);
  const user = await deps.store.findUserByEmailKey(key);
  const tooLong = Buffer.byteLength(input.password) > PASSWORD_MAX_BYTES;
  const started = performance.now();
  const ok =
    user && !tooLong
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyAgainstDummy(input.password);
  deps.observe?.({ kind: 'password_hash', seconds: (performance.now() - started) / 1000 });
  if (!user || !ok || user.disabled) {
    await deps.throttle.loginFailed(meta.ip, key);
    await audit(
      deps,
      'login_failed',
      meta,
      { userId: user?.id ?? null },
      { reason: user ? 'password' : 'unknown_email' },
    );
    deps.observe?.({ kind: 'login', ok: false });
    throw new ProblemError('invalid_credentials', 'email or password is incorrect');
  }
  await deps.throttle.loginSucceeded(meta.ip, key);
  const tokens = await startSession(deps, user, meta);
  await audit(deps, 'login_succeeded', meta, { userId: user.id });
  deps.observe?.({ kind: 'login', ok: true });
  return tokens;
}

/** Changes a password after re-checking the current one, and ends every other session. */
export async function changePassword(
  deps: AuthDeps,
  subject: { readonly userId: string; readonly sessionId: string },
  input: { readonly currentPassword: string; readonly newPassword: string },
  meta: RequestMeta,
): Promise<void> {
  const user = await deps.store.findUserById(subject.userId);
  if (!user || user.disabled) throw new ProblemError('invalid_token', 'the account no longer exists');
  await deps.throttle.beforePasswordChange(user.id);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await deps.throttle.passwordChangeFailed(user.id);
    throw new ProblemError('invalid_credentials', 'current password is incorrect');
  }
  assertAcceptablePassword(input.newPassword, { email: user.email });
  const now = deps.clock.now();
  await deps.store.updatePasswordHash(user.id, await timedHash(deps, input.newPassword), now);
  const revoked = await deps.store.revokeUserSessions(user.id, 'password_change', now, subject.sessionId);
  deps.sessions.forget();
  await audit(deps, 'password_changed', meta, { userId: user.id, sessionId: subject.sessionId }, { revoked });
}

async function timedHash(deps: AuthDeps, password: string): Promise<string> {
  const started = performance.now();
  const hash = await hashPassword(password);
  deps.observe?.({ kind: 'password_hash', seconds: (performance.now() - started) / 1000 });
  return hash;
}
