/**
 * The framework floor: Fastify 5 (Baton's framework) answering the same todos JSON with the same
 * response schema as Baton's route, and nothing else: no auth, no hooks, no logger. The gap from
 * the bare server to this one is the framework's; the gap from this one to Baton is Baton's.
 *
 * Environment: `PORT`.
 */
import Fastify from 'fastify';
import { exitWithParent } from '../bare/orphanGuard';
import { SAMPLE_TODOS } from '../bare/todos';

const todo = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    done: { type: 'boolean' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: ['id', 'title', 'done', 'createdAt', 'updatedAt'],
} as const;

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.get(
  '/todos',
  { schema: { response: { 200: { type: 'array', items: todo } } } },
  async () => SAMPLE_TODOS,
);
app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) }).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
process.on('SIGTERM', () => process.exit(0));
exitWithParent();
