import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/store.js';
import type { KeyRing } from '../tokens/keys.js';

const LASTING_FAILURE =
  'A flush of the database file to disk failed, so the server writes nothing more: restart it.';

/** Public discovery documents and the health check. */
export const wellKnownRoutes: FastifyPluginAsync<{
  keys: KeyRing;
  store: Pick<Store, 'lastingFailure'>;
}> = async (app, { keys, store }) => {
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
        description:
          '200 while the server can serve. 503 once its store can no longer write until the process ' +
          'restarts (a failed flush of the SQLite file to disk): restart it. A database that cannot be ' +
          'reached does not fail it, since every instance shares the database (see docs/deploy.md).',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
          503: {
            type: 'object',
            properties: { status: { type: 'string' }, detail: { type: 'string' } },
            required: ['status', 'detail'],
          },
        },
      },
    },
    async (_request, reply) => {
      // The cause (the disk's own error) is in the log, not in a public answer.
      if (store.lastingFailure?.())
        return reply.code(503).send({ status: 'failed', detail: LASTING_FAILURE });
      return { status: 'ok' };
    },
  );
};
