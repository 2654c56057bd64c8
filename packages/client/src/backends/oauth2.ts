import type { TokenGrant } from '../session.js';
import type { Backend, BackendContext } from './backend.js';
import { type JsonAnswer, optional, optionalNumber, requireString, send } from './http.js';

/** Where an RFC 6749 authorization server takes tokens. */
export interface OAuth2BackendOptions {
  /** Absolute URL or path (relative to `baseUrl`) of the token endpoint. */
  readonly tokenEndpoint: string;
  /** Sent as `client_id` with every grant (public clients, RFC 6749 §3.2.1). */
  readonly clientId?: string;
  /** RFC 7009 revocation endpoint, used by `logout`. */
  readonly revocationEndpoint?: string;
  /** Requested `scope` for the password grant. */
  readonly scope?: string;
}

/**
 * Any OAuth 2 token endpoint: the resource owner password grant (RFC 6749 §4.3) for login and the
 * refresh token grant (§6) for refresh, both form-encoded. Answers follow §5.1; refusals (§5.2,
 * e.g. 400 `invalid_grant`) surface as `AuthError` with a Baton `code` (`invalid_credentials` on
 * login, `invalid_refresh_token` on refresh) and the `error` field in `serverCode`.
 *
 * @example
 * const backend = oauth2Backend({ tokenEndpoint: '/oauth/token', clientId: 'spa' });
 */
export function oauth2Backend(options: OAuth2BackendOptions): Backend {
  if (typeof options?.tokenEndpoint !== 'string' || options.tokenEndpoint === '') {
    throw new TypeError('oauth2Backend(): tokenEndpoint is required');
  }
  const client = options.clientId === undefined ? {} : { client_id: options.clientId };
  // §5.2: `invalid_grant` is a wrong password on the password grant and a dead token on refresh.
  const grant = async (
    context: BackendContext,
    form: Record<string, string>,
    refusal: 'invalid_credentials' | 'invalid_refresh_token',
    previous?: string,
  ) =>
    grantOf(await send(context, options.tokenEndpoint, { form: { ...form, ...client }, refusal }), previous);
  const backend: Backend = {
    login: (context, { email, password }) =>
      grant(
        context,
        {
          grant_type: 'password',
          username: email,
          password,
          ...(options.scope === undefined ? {} : { scope: options.scope }),
        },
        'invalid_credentials',
      ),
    refresh: (context, refreshToken) =>
      grant(
        context,
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        'invalid_refresh_token',
        refreshToken,
      ),
  };
  const revocation = options.revocationEndpoint;
  if (revocation !== undefined) {
    backend.logout = async (context, session) => {
      await send(context, revocation, {
        form: { token: session.refreshToken, token_type_hint: 'refresh_token', ...client },
      });
    };
  }
  return backend;
}

function grantOf({ body, serverDate }: JsonAnswer, previousRefreshToken?: string): TokenGrant {
  const refreshToken =
    typeof body.refresh_token === 'string'
      ? body.refresh_token
      : (previousRefreshToken ?? requireString(body, 'refresh_token'));
  return {
    accessToken: requireString(body, 'access_token'),
    // §6: the server MAY issue a new refresh token; if it does not, the old one stays valid.
    refreshToken,
    ...optional('expiresIn', optionalNumber(body, 'expires_in')),
    ...optional('serverDate', serverDate),
  };
}
