import { AuthError } from '../errors.js';
import type { TokenGrant, User } from '../session.js';
import type { Backend, BackendContext, RegisterInput } from './backend.js';
import { djoserAccountOperations, fetchDjoserUser, splitName } from './djoserAccount.js';
import { optional, requireString, send } from './http.js';

/** Paths of a djoser + simplejwt deployment, and the shape of its user model. */
export interface DjoserBackendOptions {
  /** Prefix of djoser's routes. Default `/auth`. */
  readonly prefix?: string;
  /**
   * simplejwt's blacklist view (`TokenBlacklistView`), used by `logout`. Default
   * `{prefix}/jwt/blacklist/`; `null` when the server has none (logout is then local only).
   */
  readonly blacklistPath?: string | null;
  /**
   * Builds the body of `POST {prefix}/users/` for user models that want other fields. Default
   * {@link defaultDjoserRegistration}: `username` and `email` (both the email), `password`, and
   * `first_name` / `last_name` split from `name`.
   */
  readonly registrationBody?: (input: RegisterInput) => Record<string, unknown>;
}

/**
 * The default registration body. The email goes in as both `username` and `email`, so it fits
 * Django's default user model and email-login models alike; `name` is split at its first space
 * into `first_name` and `last_name`, which models with `REQUIRED_FIELDS = ['first_name',
 * 'last_name']` (the Django tutorial's) need and the default model stores. djoser ignores fields
 * a model does not declare.
 */
export function defaultDjoserRegistration(input: RegisterInput): Record<string, unknown> {
  const body: Record<string, unknown> = {
    username: input.email,
    email: input.email,
    password: input.password,
  };
  const name = input.name?.trim() ?? '';
  return name === '' ? body : { ...body, ...splitName(name) };
}

/**
 * Django with djoser and djangorestframework-simplejwt, with `ROTATE_REFRESH_TOKENS` (and ideally
 * `BLACKLIST_AFTER_ROTATION`): `POST /auth/users/`, `/auth/jwt/create/`, `/auth/jwt/refresh/`.
 * Field errors of a refused registration (`{ "last_name": ["This field is required."] }`) reach
 * the caller as `AuthError.fields`, with code `invalid_request`, or `email_taken` and
 * `weak_password` as Baton answers (see {@link registrationRefusal}). The account operations use
 * djoser's `users/reset_password/`, `reset_password_confirm/`, `set_password/`, `activation/`,
 * `resend_activation/` and `users/me/` (see the client README for the table).
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://api.example.com', backend: djoserBackend() });
 */
export function djoserBackend(options: DjoserBackendOptions = {}): Backend {
  const prefix = options.prefix ?? '/auth';
  const blacklistPath =
    options.blacklistPath === undefined ? `${prefix}/jwt/blacklist/` : options.blacklistPath;
  const registrationBody = options.registrationBody ?? defaultDjoserRegistration;
  const login: Backend['login'] = async (context, { email, password }) => {
    const { body, serverDate } = await send(context, `${prefix}/jwt/create/`, {
      json: { username: email, email, password },
      // simplejwt answers a wrong password with 401 `no_active_account`.
      refusal: 'invalid_credentials',
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
    ...djoserAccountOperations(prefix),
    login,
    async register(context, input) {
      await send(context, `${prefix}/users/`, {
        json: registrationBody(input),
        refusal: 'invalid_request',
      }).catch((error: unknown) => Promise.reject(registrationRefusal(error)));
      return login(context, input);
    },
    async refresh(context, refreshToken): Promise<TokenGrant> {
      const { body, serverDate } = await send(context, `${prefix}/jwt/refresh/`, {
        json: { refresh: refreshToken },
        // simplejwt: 401 `token_not_valid` for an expired or blacklisted refresh token.
        refusal: 'invalid_refresh_token',
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
    return await fetchDjoserUser(context, prefix, accessToken);
  } catch {
    // The profile is a convenience; signing in must not fail because it is unavailable.
    return null;
  }
}

/** Django's messages for a value that another account has (the model's unique check). */
const TAKEN = /already exists|already (?:in use|taken|registered)|must be unique/i;

/**
 * djoser refuses a registration with Django REST framework field errors and no code. Two mean
 * what Baton's codes mean: the unique check of `username` or `email` (the address is an account's
 * already) is `email_taken`, and the password validators' verdict (djoser puts it under
 * `password`; other serializers under `non_field_errors`) is `weak_password`, with their own
 * messages. Recognised by Django's English messages: a server that translates them answers
 * `invalid_request`, its messages still in `fields`.
 */
function registrationRefusal(error: unknown): unknown {
  if (!(error instanceof AuthError) || error.status !== 400 || error.fields === undefined) return error;
  const { fields } = error;
  const options = { status: error.status, serverCode: error.serverCode, fields, cause: error };
  if ([...(fields.username ?? []), ...(fields.email ?? [])].some((message) => TAKEN.test(message))) {
    return new AuthError('email_taken', 'An account with this email address exists already.', options);
  }
  const password = [
    ...(fields.password ?? []),
    ...(fields.non_field_errors ?? []).filter((message) => /password/i.test(message)),
  ];
  if (password.length === 0) return error;
  const said = password.join(' ');
  return new AuthError(
    'weak_password',
    /password/i.test(said) ? said : `The password was refused: ${said}`,
    options,
  );
}
