import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { AuthDeps } from '../auth/context.js';
import { ProblemError } from '../errors.js';
import { requireBearer } from '../http/bearer.js';
import { noContent, problems, titleField } from '../http/schemas.js';
import type { TodoRecord } from '../store/store.js';

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

function view(todo: TodoRecord) {
  return {
    id: todo.id,
    title: todo.title,
    done: todo.done,
    createdAt: new Date(todo.createdAt).toISOString(),
    updatedAt: new Date(todo.updatedAt).toISOString(),
  };
}

/** The example protected resource: each user sees and changes only their own todos. */
export const todoRoutes: FastifyPluginAsync<{ deps: AuthDeps }> = async (app, { deps }) => {
  const { store, clock } = deps;
  app.addHook('preHandler', requireBearer(deps.authenticate));
  const common = { tags: ['todos'], security: [{ bearer: [] }] };
  // A list never changes once answered (Store.listTodos), so neither does its JSON: when the store
  // answers the same list again (a cached one), reading it costs no mapping and no serialisation.
  const serialised = new WeakMap<readonly TodoRecord[], string>();

  app.get(
    '/todos',
    {
      schema: { ...common, response: { 200: { type: 'array', items: { $ref: 'Todo#' } }, ...problems(401) } },
    },
    async (request, reply) => {
      const todos = await store.listTodos(request.auth.sub);
      let body = serialised.get(todos);
      if (body === undefined) {
        // The route's compiled JSON serializer returns text (Fastify types it for custom serializers too).
        body = reply.serialize(todos.map(view)) as string;
        serialised.set(todos, body);
      }
      // A string with a JSON type goes out as it is; the route's schema made it.
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.post<{ Body: { title: string } }>(
    '/todos',
    {
      schema: {
        ...common,
        body: {
          type: 'object',
          properties: { title: titleField },
          required: ['title'],
          additionalProperties: false,
        },
        response: { 201: { $ref: 'Todo#' }, ...problems(400, 401) },
      },
    },
    async (request, reply) => {
      const todo = await store.createTodo({
        id: randomUUID(),
        userId: request.auth.sub,
        title: request.body.title.trim(),
        createdAt: clock.now(),
      });
      return reply.code(201).send(view(todo));
    },
  );

  app.patch<{ Params: { id: string }; Body: { title?: string; done?: boolean } }>(
    '/todos/:id',
    {
      schema: {
        ...common,
        params: idParams,
        body: {
          type: 'object',
          properties: { title: titleField, done: { type: 'boolean' } },
          minProperties: 1,
          additionalProperties: false,
        },
        response: { 200: { $ref: 'Todo#' }, ...problems(400, 401, 404) },
      },
    },
    async (request) => {
      const { title, done } = request.body;
      const patch = {
        ...(title === undefined ? {} : { title: title.trim() }),
        ...(done === undefined ? {} : { done }),
      };
      const todo = await store.updateTodo(request.auth.sub, request.params.id, patch, clock.now());
      if (!todo) throw new ProblemError('not_found', 'no such todo');
      return view(todo);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/todos/:id',
    { schema: { ...common, params: idParams, response: { ...noContent, ...problems(401, 404) } } },
    async (request, reply) => {
      if (!(await store.deleteTodo(request.auth.sub, request.params.id))) {
        throw new ProblemError('not_found', 'no such todo');
      }
      return reply.code(204).send();
    },
  );
};
