import type { FastifyPluginAsync } from 'fastify';
import type { KeyRing } from '../tokens/keys.js';

/** Public discovery documents and the health check. */
export const wellKnownRoutes: FastifyPluginAsync<{ keys: KeyRing }> = async (app, { keys }) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['discovery'],
        summary: 'Public keys that verify access tokens (RFC 7517)',
        response: {
          200: {
            type: 'object',
            properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } },
            required: ['keys'],
          },
        },
      },
    },
    async (_request, reply) => {
      // Short public caching: resource servers poll this, and a rotated key must appear quickly.
      reply.header('cache-control', 'public, max-age=60');
      return keys.jwks();
    },
  );

  app.get(
    '/healthz',
    {
      schema: {
        tags: ['discovery'],
        summary: 'Liveness',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
        },
      },
    },
    async () => ({ status: 'ok' }),
  );
};
