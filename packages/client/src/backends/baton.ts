import { AuthError } from '../errors.js';
import type { TokenGrant, User } from '../session.js';
import type { Backend } from './backend.js';
import { type JsonAnswer, optional, optionalNumber, requireString, send } from './http.js';

/** Paths of a Baton server, for servers mounted under a prefix. */
export interface BatonBackendOptions {
  /** Prefix of the auth routes. Default `/auth`. */
  readonly prefix?: string;
}

/**
 * The Baton server's API (the default backend): `/auth/register`, `/auth/login`,
 * `/auth/refresh`, `/auth/logout`, `/auth/logout-all`, `/auth/logout-others`, and the account
 * routes (`/auth/password/forgot`, `/auth/password/reset`, `/auth/password`, `/auth/email/verify`,
 * `/auth/email/resend`, `/auth/email/change`, `GET`/`PATCH`/`DELETE /auth/me`).
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://api.example.com', backend: batonBackend() });
 */
export function batonBackend(options: BatonBackendOptions = {}): Backend {
  const prefix = options.prefix ?? '/auth';
  return {
    login: async (context, { email, password, deviceToken }) =>
      grantOf(
        await send(context, `${prefix}/login`, {
          json: deviceToken === undefined ? { email, password } : { email, password, deviceToken },
        }),
      ),
    register: async (context, input) =>
      grantOf(
        await send(context, `${prefix}/register`, {
          json: input.name === undefined ? { email: input.email, password: input.password } : input,
        }),
      ),
    refresh: async (context, refreshToken) =>
      grantOf(await send(context, `${prefix}/refresh`, { json: { refreshToken } })),
    async logout(context, session) {
      await send(context, `${prefix}/logout`, { json: { refreshToken: session.refreshToken } });
    },
    async logoutAll(context, session) {
      await send(context, `${prefix}/logout-all`, { bearer: session.accessToken });
    },
    async logoutOthers(context, session) {
      await send(context, `${prefix}/logout-others`, { bearer: session.accessToken });
    },
    async requestPasswordReset(context, email) {
      await send(context, `${prefix}/password/forgot`, { json: { email } });
    },
    async resetPassword(context, { token, newPassword }) {
      await send(context, `${prefix}/password/reset`, { json: { token, newPassword } });
    },
    async changePassword(context, session, { currentPassword, newPassword }) {
      await send(context, `${prefix}/password`, {
        bearer: session.accessToken,
        json: { currentPassword, newPassword },
      });
    },
    async verifyEmail(context, { token }) {
      await send(context, `${prefix}/email/verify`, { json: { token } });
    },
    async resendVerification(context, { email }, session) {
      // Signed in, the token says whose address it is.
      await send(
        context,
        `${prefix}/email/resend`,
        session === null ? { json: { email } } : { bearer: session.accessToken },
      );
    },
    async changeEmail(context, session, { newEmail, password }) {
      await send(context, `${prefix}/email/change`, {
        bearer: session.accessToken,
        json: { newEmail, password },
      });
    },
    updateProfile: async (context, session, { name }) =>
      requireUser(
        await send(context, `${prefix}/me`, { method: 'PATCH', bearer: session.accessToken, json: { name } }),
      ),
    currentUser: async (context, session) =>
      requireUser(await send(context, `${prefix}/me`, { method: 'GET', bearer: session.accessToken })),
    async deleteAccount(context, session, { password }) {
      await send(context, `${prefix}/me`, {
        method: 'DELETE',
        bearer: session.accessToken,
        json: { password },
      });
    },
  };
}

function requireUser({ body }: JsonAnswer): User {
  const user = userOf(body);
  if (user === null) throw new AuthError('invalid_response', "The server's answer does not describe a user.");
  return user;
}

function grantOf({ body, serverDate }: JsonAnswer): TokenGrant {
  return {
    accessToken: requireString(body, 'accessToken'),
    refreshToken: requireString(body, 'refreshToken'),
    ...optional('expiresIn', optionalNumber(body, 'expiresIn')),
    ...optional('refreshExpiresIn', optionalNumber(body, 'refreshExpiresIn')),
    ...optional('serverDate', serverDate),
    ...optional('deviceToken', typeof body.deviceToken === 'string' ? body.deviceToken : undefined),
    user: userOf(body.user),
  };
}

function userOf(value: unknown): User | null {
  if (typeof value !== 'object' || value === null) return null;
  const user = value as Record<string, unknown>;
  if (typeof user.id !== 'string' || typeof user.email !== 'string') return null;
  return {
    id: user.id,
    email: user.email,
    name: typeof user.name === 'string' ? user.name : null,
    createdAt: typeof user.createdAt === 'string' ? user.createdAt : null,
    emailVerified: typeof user.emailVerified === 'boolean' ? user.emailVerified : null,
  };
}
