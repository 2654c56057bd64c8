import formbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';
import { login } from '../auth/accounts.js';
import type { AuthDeps } from '../auth/context.js';
import { endSession, logoutByRefreshToken, refreshSession, type TokenResponse } from '../auth/sessions.js';
import { requestMeta } from '../http/bearer.js';
import { answerWithOAuthErrors, OAuthError } from '../http/oauthErrors.js';
import { looksLikeRefreshToken } from '../tokens/refresh.js';

interface TokenRequest {
  grant_type: string;
  username?: string;
  password?: string;
  refresh_token?: string;
  client_id?: string;
  client_secret?: string;
  scope?: string;
}

const param = { type: 'string', maxLength: 4096 } as const;

/**
 * The OAuth 2.0 face of Baton for standard clients: `POST /oauth/token` (RFC 6749 password and
 * refresh_token grants), `POST /oauth/revoke` (RFC 7009) and the RFC 8414 metadata document
 * (which also advertises `POST /oauth/introspect`, see `introspect.ts`).
 * It reuses the same login and rotation as `/auth/*`, so grace windows and reuse detection apply
 * identically. Form bodies are accepted only inside this plugin: other routes keep refusing them.
 */
export const oauthRoutes: FastifyPluginAsync<{ deps: AuthDeps }> = async (app, { deps }) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  const { issuer } = deps.config;

  answerWithOAuthErrors(app);

  app.get(
    '/.well-known/oauth-authorization-server',
    { schema: { tags: ['oauth'], summary: 'Authorization server metadata (RFC 8414)' } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return {
        issuer,
        token_endpoint: `${issuer}/oauth/token`,
        revocation_endpoint: `${issuer}/oauth/revoke`,
        introspection_endpoint: `${issuer}/oauth/introspect`,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        grant_types_supported: deps.config.oauthPasswordGrant
          ? ['password', 'refresh_token']
          : ['refresh_token'],
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
        response_types_supported: [],
      };
    },
  );

  app.post<{ Body: TokenRequest }>(
    '/oauth/token',
    {
      schema: {
        tags: ['oauth'],
        summary: 'Token endpoint (RFC 6749): password and refresh_token grants',
        body: {
          type: 'object',
          properties: {
            grant_type: param,
            username: param,
            password: param,
            refresh_token: param,
            client_id: param,
            client_secret: param,
            scope: param,
          },
          required: ['grant_type'],
        },
      },
    },
    async (request) => {
      rejectClientAuthentication(request.headers.authorization, request.body);
      const meta = requestMeta(request);
      const body = request.body;
      let tokens: TokenResponse;
      if (body.grant_type === 'password' && deps.config.oauthPasswordGrant) {
        if (!body.username || body.password === undefined)
          throw new OAuthError('invalid_request', 'username and password are required');
        tokens = await login(deps, { email: body.username, password: body.password }, meta);
      } else if (body.grant_type === 'refresh_token') {
        if (!body.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required');
        tokens = await refreshSession(deps, body.refresh_token, meta);
      } else {
        // The password grant too, unless switched on: RFC 9700 §2.4 says it MUST NOT be used.
        throw new OAuthError('unsupported_grant_type', `grant_type '${body.grant_type}' is not supported`);
      }
      // RFC 6749 §5.1; `refresh_token_expires_in` is a common extension clients may ignore.
      return {
        access_token: tokens.accessToken,
        token_type: 'Bearer',
        expires_in: tokens.expiresIn,
        refresh_token: tokens.refreshToken,
        refresh_token_expires_in: tokens.refreshExpiresIn,
      };
    },
  );

  app.post<{ Body: { token: string; token_type_hint?: string; client_id?: string; client_secret?: string } }>(
    '/oauth/revoke',
    {
      schema: {
        tags: ['oauth'],
        summary: 'Token revocation (RFC 7009): ends the session of a refresh or access token',
        body: {
          type: 'object',
          properties: { token: param, token_type_hint: param, client_id: param, client_secret: param },
          required: ['token'],
        },
      },
    },
    async (request, reply) => {
      rejectClientAuthentication(request.headers.authorization, request.body);
      const { token } = request.body;
      const meta = requestMeta(request);
      // An access token cannot be revoked alone (it is stateless), so revoking one ends its session
      // (RFC 7009 §2.1 lets a server revoke related tokens): Baton's API refuses it at once, and
      // its refresh token dies. RFC 7009 §2.2 asks for 200 for unknown and invalid tokens alike.
      if (looksLikeRefreshToken(token)) await logoutByRefreshToken(deps, token, meta);
      else {
        const claims = await deps.accessTokens.verify(token).catch(() => undefined);
        if (claims) await endSession(deps, claims.sid, 'logout', meta, claims.sub);
      }
      return reply.code(200).send();
    },
  );
};

/**
 * Baton's token clients are public (`token_endpoint_auth_methods_supported: ["none"]`; only
 * resource servers have credentials, for introspection). A client that
 * tries to authenticate anyway gets `invalid_client` (RFC 6749 §5.2) rather than having its
 * credentials silently ignored, so a misconfigured confidential client notices.
 */
function rejectClientAuthentication(
  authorization: string | undefined,
  body: { readonly client_secret?: string },
): void {
  if (authorization !== undefined || body.client_secret !== undefined) {
    throw new OAuthError(
      'invalid_client',
      'client authentication is not supported: use a public client',
      401,
      {
        'www-authenticate': 'Basic realm="baton"',
      },
    );
  }
}
