import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/**
 * `GET /metrics` in the Prometheus text format. It exposes counts, not secrets, but operators
 * should still keep it off the public internet (see docs/deploy.md).
 */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/metrics',
    { schema: { tags: ['discovery'], summary: 'Prometheus metrics', hide: true } },
    async (_request, reply) => {
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};
