import type { FastifyPluginAsync } from 'fastify';
import type { AuthDeps } from '../auth/context.js';
import { listSessions } from '../auth/sessionList.js';
import { endSession } from '../auth/sessions.js';
import { ProblemError } from '../errors.js';
import { requestMeta, requireBearer } from '../http/bearer.js';
import { noContent, problems } from '../http/schemas.js';

const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    lastUsedAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    userAgent: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    current: { type: 'boolean' },
  },
  required: ['id', 'createdAt', 'lastUsedAt', 'expiresAt', 'userAgent', 'ip', 'current'],
} as const;

/** The signed-in user's devices: list them, end one. */
export const sessionRoutes: FastifyPluginAsync<{ deps: AuthDeps }> = async (app, { deps }) => {
  app.addHook('preHandler', requireBearer(deps.authenticate));

  app.get(
    '/auth/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: "The current user's live sessions; `current` marks this one",
        security: [{ bearer: [] }],
        response: { 200: { type: 'array', items: sessionSchema }, ...problems(401) },
      },
    },
    async (request) => listSessions(deps, request.auth.sub, request.auth.sid),
  );

  app.delete<{ Params: { id: string } }>(
    '/auth/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'End one of your sessions',
        security: [{ bearer: [] }],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } }, required: ['id'] },
        response: { ...noContent, ...problems(401, 404) },
      },
    },
    async (request, reply) => {
      const session = await deps.store.findSession(request.params.id);
      // Another user's session answers exactly like a missing one: ids are not an oracle.
      if (!session || session.userId !== request.auth.sub || session.revokedAt !== null) {
        throw new ProblemError('not_found', 'no such session');
      }
      await endSession(deps, session.id, 'revoked', requestMeta(request));
      return reply.code(204).send();
    },
  );
};
