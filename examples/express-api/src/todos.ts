import { randomUUID } from 'node:crypto';
import { Router } from 'express';

interface Todo {
  id: string;
  title: string;
  done: boolean;
  createdAt: string;
  updatedAt: string;
}

/**
 * This API's own resource: todos kept in memory per user, keyed by the token's `sub` (Baton's
 * user id). `userOf` reads it from the verified request.
 */
export function todosRouter(userOf: (request: Express.Request) => string): Router {
  const byUser = new Map<string, Todo[]>();
  const listOf = (user: string) => {
    const list = byUser.get(user) ?? [];
    byUser.set(user, list);
    return list;
  };
  const router = Router();
  router.get('/', (request, response) => {
    response.json(listOf(userOf(request)));
  });
  router.post('/', (request, response) => {
    const title = typeof request.body?.title === 'string' ? request.body.title.trim() : '';
    if (!title || title.length > 500) {
      response.status(400).json({ error: 'invalid_request', message: 'title: 1 to 500 characters' });
      return;
    }
    const now = new Date().toISOString();
    const todo: Todo = { id: randomUUID(), title, done: false, createdAt: now, updatedAt: now };
    listOf(userOf(request)).push(todo);
    response.status(201).json(todo);
  });
  router.patch('/:id', (request, response) => {
    const todo = listOf(userOf(request)).find((candidate) => candidate.id === request.params.id);
    if (!todo) {
      response.status(404).json({ error: 'not_found' });
      return;
    }
    const { title, done } = request.body ?? {};
    if (typeof title === 'string' && title.trim()) todo.title = title.trim();
    if (typeof done === 'boolean') todo.done = done;
    todo.updatedAt = new Date().toISOString();
    response.json(todo);
  });
  router.delete('/:id', (request, response) => {
    const list = listOf(userOf(request));
    const index = list.findIndex((candidate) => candidate.id === request.params.id);
    if (index < 0) {
      response.status(404).json({ error: 'not_found' });
      return;
    }
    list.splice(index, 1);
    response.status(204).end();
  });
  return router;
}
