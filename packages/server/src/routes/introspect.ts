import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AuthDeps } from '../auth/context.js';
import { introspect } from '../auth/introspection.js';
import { authenticateResourceClient } from '../auth/resourceClients.js';
import { settleBy } from '../auth/throttle.js';
import { requestMeta } from '../http/bearer.js';
import { clientCredentials } from '../http/clientCredentials.js';
import { answerWithOAuthErrors, OAuthError } from '../http/oauthErrors.js';

interface IntrospectionRequest {
  token: string;
  token_type_hint?: string;
  client_id?: string;
  client_secret?: string;
}

const param = { type: 'string', maxLength: 4096 } as const;
// A token over the verifier's 4 KiB is a malformed token, so inactive (RFC 7662 §2.2), not a
// malformed request: only the 16 KiB body limit bounds it.
const tokenParam = { type: 'string' } as const;
const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } as const;

/** RFC 6749 §5.2: a failed client authentication is 401 with the scheme the client should use. */
const invalidClient = (description: string) =>
  new OAuthError('invalid_client', description, 401, { 'www-authenticate': 'Basic realm="baton"' });

/**
 * `POST /oauth/introspect` (RFC 7662): a resource server asks whether an access token is live
 * right now. Only registered resource servers may ask (`baton clients create`), authenticated per
 * RFC 6749 §2.3.1 with HTTP Basic or the body; failed authentications are rate limited per IP.
 * The client is authenticated before the body is validated, so an unauthenticated caller learns
 * nothing, not even whether its request was well formed.
 */
export const introspectRoutes: FastifyPluginAsync<{ deps: AuthDeps }> = async (app, { deps }) => {
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  answerWithOAuthErrors(app);

  const authenticateClient = async (request: FastifyRequest): Promise<void> => {
    const body = typeof request.body === 'object' && request.body !== null ? request.body : {};
    const presented = clientCredentials(request.headers.authorization, body);
    if (presented === 'two_methods') {
      throw new OAuthError('invalid_request', 'use one client authentication method, not two');
    }
    // Reserved before the lookup, handed back when the credential is good: a burst of guesses is
    // limited like a sequence (see auth/throttle.ts).
    const attempt = await deps.throttle.clientAuthentication(requestMeta(request).ip);
    await settleBy(
      attempt,
      async () => {
        const client =
          typeof presented === 'string'
            ? undefined
            : await authenticateResourceClient(deps.store, presented.clientId, presented.clientSecret);
        if (client) return;
        throw invalidClient(
          presented === 'missing'
            ? 'client authentication is required: use the credentials from baton clients create'
            : 'client authentication failed',
        );
      },
      (error) => error instanceof OAuthError && error.code === 'invalid_client',
    );
  };

  app.post<{ Body: IntrospectionRequest }>(
    '/oauth/introspect',
    {
      preValidation: authenticateClient,
      schema: {
        tags: ['oauth'],
        summary: 'Token introspection (RFC 7662), for resource servers with a client credential',
        security: [{ clientBasic: [] }],
        body: {
          type: 'object',
          properties: { token: tokenParam, token_type_hint: param, client_id: param, client_secret: param },
          required: ['token'],
        },
        response: {
          200: {
            type: 'object',
            properties: {
              active: { type: 'boolean' },
              token_type: { type: 'string' },
              iss: { type: 'string' },
              aud: stringOrList,
              sub: { type: 'string' },
              sid: { type: 'string' },
              iat: { type: 'integer' },
              exp: { type: 'integer' },
              jti: { type: 'string' },
            },
            required: ['active'],
          },
        },
      },
    },
    async (request) => introspect(deps, request.body.token),
  );
};
