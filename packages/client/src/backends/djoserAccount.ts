import type { AuthErrorCode } from '../errorCodes.js';
import { AuthError } from '../errors.js';
import type { User } from '../session.js';
import type { Backend, BackendContext } from './backend.js';
import { send } from './http.js';

type AccountOperations = Pick<
  Backend,
  | 'requestPasswordReset'
  | 'resetPassword'
  | 'changePassword'
  | 'verifyEmail'
  | 'resendVerification'
  | 'updateProfile'
  | 'currentUser'
  | 'deleteAccount'
>;

/**
 * The account operations on djoser's own endpoints (`{prefix}/users/...`). djoser answers a
 * refusal with Django REST framework field errors; where a field's refusal means what one of our
 * codes means (a wrong `current_password` is `invalid_current_password`), it gets that code, and
 * the field messages stay in `AuthError.fields`. No `changeEmail`: djoser's `set_email` changes
 * the address at once, without the confirmation by mail that the operation promises.
 */
export function djoserAccountOperations(prefix: string): AccountOperations {
  const users = `${prefix}/users`;
  return {
    async requestPasswordReset(context, email) {
      await send(context, `${users}/reset_password/`, { json: { email } });
    },
    async resetPassword(context, { uid, token, newPassword }) {
      requireUid(uid, 'reset');
      await recode(
        send(context, `${users}/reset_password_confirm/`, {
          json: { uid, token, new_password: newPassword },
        }),
        { uid: 'invalid_reset_token', token: 'invalid_reset_token', new_password: 'weak_password' },
      );
    },
    async changePassword(context, session, { currentPassword, newPassword }) {
      await recode(
        send(context, `${users}/set_password/`, {
          bearer: session.accessToken,
          json: { new_password: newPassword, current_password: currentPassword },
        }),
        { current_password: 'invalid_current_password', new_password: 'weak_password' },
      );
    },
    async verifyEmail(context, { uid, token }) {
      requireUid(uid, 'verification');
      await recode(
        send(context, `${users}/activation/`, { json: { uid, token } }),
        { uid: 'invalid_verification_token', token: 'invalid_verification_token' },
        // 403 "Stale token for given user.": the account is active already, the link used up.
        'invalid_verification_token',
      );
    },
    async resendVerification(context, input, session) {
      const email = input.email ?? session?.user?.email;
      if (email === undefined || email === '') {
        throw new AuthError('invalid_request', 'Give the email address the account was registered with.');
      }
      try {
        await send(context, `${users}/resend_activation/`, { json: { email } });
      } catch (error) {
        // djoser answers an empty 400 both for an address with no account waiting for activation
        // and when it sends no activation mail at all.
        if (error instanceof AuthError && error.status === 400 && error.fields === undefined) {
          throw new AuthError(
            'invalid_request',
            'No link was sent: this address has no account waiting for activation, or the server does not send activation mail.',
            { status: 400, cause: error },
          );
        }
        throw error;
      }
    },
    async updateProfile(context, session, { name }) {
      const { first_name, last_name } = splitName(name ?? '');
      const { body } = await send(context, `${users}/me/`, {
        method: 'PATCH',
        bearer: session.accessToken,
        json: { first_name, last_name },
      });
      // djoser's user serializer shows only REQUIRED_FIELDS and the login field: without
      // first_name there, the server ignored the name, and saying it was saved would be false.
      if (!('first_name' in body)) {
        throw new AuthError(
          'not_supported',
          "This server's user profile has no name fields, so the name cannot be changed here.",
        );
      }
      return djoserUserOf(body);
    },
    currentUser: (context, session) => fetchDjoserUser(context, prefix, session.accessToken),
    async deleteAccount(context, session, { password }) {
      await recode(
        send(context, `${users}/me/`, {
          method: 'DELETE',
          bearer: session.accessToken,
          json: { current_password: password },
        }),
        { current_password: 'invalid_current_password' },
      );
    },
  };
}

/** `GET {prefix}/users/me/` as a {@link User}. */
export async function fetchDjoserUser(
  context: BackendContext,
  prefix: string,
  accessToken: string,
): Promise<User> {
  const { body } = await send(context, `${prefix}/users/me/`, { method: 'GET', bearer: accessToken });
  return djoserUserOf(body);
}

/** A djoser user: `first_name` + `last_name`, else `username`, as the name; no verification flag. */
function djoserUserOf(body: Record<string, unknown>): User {
  const id = body.id ?? body.pk;
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
  const fullName = `${text('first_name')} ${text('last_name')}`.trim();
  return {
    id: String(id ?? ''),
    email: text('email'),
    name: fullName || (typeof body.username === 'string' ? body.username : null),
    createdAt: null,
    // djoser has no such field; `is_active` (activated) is not the same thing.
    emailVerified: null,
  };
}

/** Splits a name at its first space into Django's `first_name` and `last_name`. */
export function splitName(name: string): { first_name: string; last_name: string } {
  const trimmed = name.trim();
  const space = trimmed.search(/\s/);
  return space === -1
    ? { first_name: trimmed, last_name: '' }
    : { first_name: trimmed.slice(0, space), last_name: trimmed.slice(space).trim() };
}

function requireUid(uid: string | undefined, link: 'reset' | 'verification'): asserts uid is string {
  if (uid === undefined || uid === '') {
    throw new AuthError(
      'invalid_request',
      `This ${link} link is incomplete: it lacks the user id (uid). Open the link from the mail again, or ask for a new one.`,
    );
  }
}

/**
 * Gives a refusal our code when one of its fields (or, with `forbidden`, a 403) means the same;
 * the message, status, field messages and djoser's own code are kept.
 */
async function recode(
  request: Promise<unknown>,
  byField: Readonly<Record<string, AuthErrorCode>>,
  forbidden?: AuthErrorCode,
): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof AuthError)) throw error;
    const field = Object.keys(error.fields ?? {}).find((name) => byField[name] !== undefined);
    const code = field === undefined ? (error.status === 403 ? forbidden : undefined) : byField[field];
    if (code === undefined) throw error;
    throw new AuthError(code, error.message, {
      status: error.status,
      serverCode: error.serverCode,
      fields: error.fields,
      cause: error,
    });
  }
}
