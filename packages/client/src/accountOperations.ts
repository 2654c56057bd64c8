import type { AuthClient } from './authClient.js';
import type { Backend, BackendContext } from './backends/backend.js';
import { AuthError, asAuthError } from './errors.js';
import type { Session, User } from './session.js';
import type { SessionKeeper } from './sessionKeeper.js';

/** The account methods of {@link AuthClient}: recovery, verification, profile, deletion. */
export type AccountOperations = Pick<
  AuthClient,
  | 'requestPasswordReset'
  | 'resetPassword'
  | 'changePassword'
  | 'verifyEmail'
  | 'resendVerification'
  | 'changeEmail'
  | 'updateProfile'
  | 'reloadUser'
  | 'deleteAccount'
>;

export interface AccountDeps {
  readonly backend: Backend;
  readonly context: BackendContext;
  readonly ready: Promise<void>;
  readonly keeper: SessionKeeper;
  /** Runs an operation on the signed-in session with a fresh token (see `onServer` in client.ts). */
  readonly onServer: <T>(operation: (session: Session) => Promise<T>) => Promise<T>;
}

/**
 * Builds the account methods on top of the backend's optional operations. Operations a backend
 * lacks throw `AuthError('not_supported')`; signed-in ones throw `SessionExpiredError` when signed
 * out; whatever the server refused is thrown with its code.
 */
export function accountOperations(deps: AccountDeps): AccountOperations {
  const { backend, context, keeper, onServer } = deps;
  const signedOut = <T>(task: () => Promise<T>) =>
    deps.ready.then(task).catch((error: unknown) => Promise.reject(asAuthError(error)));

  /** Puts the server's answer into the session, unless the session changed hands meanwhile. */
  async function keepUser(user: User): Promise<void> {
    const current = keeper.state?.session.user;
    if (keeper.state === null || (current != null && current.id !== user.id)) return;
    await keeper.apply({ type: 'user-updated', user, origin: 'here' });
  }

  async function reloadUser(): Promise<User | null> {
    const currentUser = backend.currentUser;
    if (currentUser === undefined) throw unsupported('This server cannot describe the signed-in user.');
    await deps.ready;
    if (keeper.state === null) return null;
    const user = await onServer((session) => currentUser(context, session));
    await keepUser(user);
    return user;
  }

  return {
    async requestPasswordReset(email) {
      expect(typeof email === 'string', 'requestPasswordReset() expects an email address (a string)');
      const operation = backend.requestPasswordReset;
      if (operation === undefined) throw unsupported('This server cannot send password reset links.');
      await signedOut(() => operation(context, email));
    },
    async resetPassword(input) {
      expect(
        typeof input?.token === 'string' && typeof input.newPassword === 'string',
        'resetPassword() expects { token: string, newPassword: string, uid?: string }',
      );
      const operation = backend.resetPassword;
      if (operation === undefined) throw unsupported('This server cannot reset passwords.');
      await signedOut(() => operation(context, input));
    },
    async changePassword(input) {
      expect(
        typeof input?.currentPassword === 'string' && typeof input.newPassword === 'string',
        'changePassword() expects { currentPassword: string, newPassword: string }',
      );
      const operation = backend.changePassword;
      if (operation === undefined) throw unsupported('This server cannot change passwords.');
      await onServer((session) => operation(context, session, input));
    },
    async verifyEmail(input) {
      expect(typeof input?.token === 'string', 'verifyEmail() expects { token: string, uid?: string }');
      const operation = backend.verifyEmail;
      if (operation === undefined) throw unsupported('This server cannot verify email addresses.');
      await signedOut(() => operation(context, input));
      if (keeper.state === null || backend.currentUser === undefined) return;
      try {
        await reloadUser();
      } catch {
        // The address is verified either way; saying otherwise because the reload failed would
        // be false. The stored user catches up at the next reloadUser().
      }
    },
    async resendVerification(input = {}) {
      expect(
        typeof input === 'object' && (input.email === undefined || typeof input.email === 'string'),
        'resendVerification() expects { email?: string }',
      );
      const operation = backend.resendVerification;
      if (operation === undefined) throw unsupported('This server cannot send verification links.');
      await deps.ready;
      if (keeper.state !== null) return onServer((session) => operation(context, input, session));
      expect(input.email !== undefined, 'resendVerification() needs { email } when nobody is signed in');
      await signedOut(() => operation(context, input, null));
    },
    async changeEmail(input) {
      expect(
        typeof input?.newEmail === 'string' && typeof input.password === 'string',
        'changeEmail() expects { newEmail: string, password: string }',
      );
      const operation = backend.changeEmail;
      if (operation === undefined) throw unsupported('This server cannot change the email address.');
      await onServer((session) => operation(context, session, input));
    },
    async updateProfile(input) {
      expect(
        typeof input?.name === 'string' || input?.name === null,
        'updateProfile() expects { name: string | null }',
      );
      const operation = backend.updateProfile;
      if (operation === undefined) throw unsupported('This server cannot change the profile.');
      const user = await onServer((session) => operation(context, session, input));
      await keepUser(user);
      return user;
    },
    reloadUser,
    async deleteAccount(input) {
      expect(typeof input?.password === 'string', 'deleteAccount() expects { password: string }');
      const operation = backend.deleteAccount;
      if (operation === undefined) throw unsupported('This server cannot delete accounts.');
      // Only a confirmed deletion signs out: a refusal (wrong password) or no answer leaves the
      // account, and so the session, as it was.
      await onServer((session) => operation(context, session, input));
      await keeper.apply({ type: 'signed-out', reason: 'deleted', origin: 'here' });
    },
  };
}

const unsupported = (sentence: string) => new AuthError('not_supported', sentence);

/** Caller misuse is a TypeError at the boundary. */
function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new TypeError(message);
}
