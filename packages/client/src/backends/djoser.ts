import type { TokenGrant, User } from '../session.js';
import type { Backend, BackendContext } from './backend.js';
import { optional, requireString, send } from './http.js';

/** Paths of a djoser + simplejwt deployment. */
export interface DjoserBackendOptions {
  /** Prefix of djoser's routes. Default `/auth`. */
  readonly prefix?: string;
  /**
   * simplejwt's blacklist view (`TokenBlacklistView`), used by `logout`. Default
   * `{prefix}/jwt/blacklist/`; `null` when the server has none (logout is then local only).
   */
  readonly blacklistPath?: string | null;
}

/**
 * Django with djoser and djangorestframework-simplejwt, with `ROTATE_REFRESH_TOKENS` (and ideally
 * `BLACKLIST_AFTER_ROTATION`): `POST /auth/users/`, `/auth/jwt/create/`, `/auth/jwt/refresh/`.
 * The email is sent both as `username` and `email`, so it works whether the user model logs in by
 * username (Django's default) or by email.
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://api.example.com', backend: djoserBackend() });
 */
export function djoserBackend(options: DjoserBackendOptions = {}): Backend {
  const prefix = options.prefix ?? '/auth';
  const blacklistPath =
    options.blacklistPath === undefined ? `${prefix}/jwt/blacklist/` : options.blacklistPath;
  const login: Backend['login'] = async (context, { email, password }) => {
    const { body, serverDate } = await send(context, `${prefix}/jwt/create/`, {
      json: { username: email, email, password },
    });
    const accessToken = requireString(body, 'access');
    return {
      accessToken,
      refreshToken: requireString(body, 'refresh'),
      user: await currentUser(context, prefix, accessToken),
      ...optional('serverDate', serverDate),
    };
  };
  return {
    login,
    async register(context, input) {
      await send(context, `${prefix}/users/`, {
        json: { username: input.email, email: input.email, password: input.password },
      });
      return login(context, input);
    },
    async refresh(context, refreshToken): Promise<TokenGrant> {
      const { body, serverDate } = await send(context, `${prefix}/jwt/refresh/`, {
        json: { refresh: refreshToken },
      });
      return {
        accessToken: requireString(body, 'access'),
        // Without ROTATE_REFRESH_TOKENS simplejwt answers with an access token only.
        refreshToken: typeof body.refresh === 'string' ? body.refresh : refreshToken,
        ...optional('serverDate', serverDate),
      };
    },
    async logout(context, session) {
      if (blacklistPath !== null)
        await send(context, blacklistPath, { json: { refresh: session.refreshToken } });
    },
  };
}

async function currentUser(
  context: BackendContext,
  prefix: string,
  accessToken: string,
): Promise<User | null> {
  try {
    const { body } = await send(context, `${prefix}/users/me/`, { method: 'GET', bearer: accessToken });
    const id = body.id ?? body.pk;
    return {
      id: String(id ?? ''),
      email: typeof body.email === 'string' ? body.email : '',
      name: typeof body.username === 'string' ? body.username : null,
      createdAt: null,
    };
  } catch {
    // The profile is a convenience; signing in must not fail because it is unavailable.
    return null;
  }
}
