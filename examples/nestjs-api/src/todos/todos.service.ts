import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';

export interface Todo {
  id: string;
  title: string;
  done: boolean;
  createdAt: string;
  updatedAt: string;
}

/** This API's own data: todos per Baton user id, in memory (a real API keeps them in its database). */
@Injectable()
export class TodosService {
  readonly #byUser = new Map<string, Todo[]>();

  list(userId: string): Todo[] {
    const list = this.#byUser.get(userId) ?? [];
    this.#byUser.set(userId, list);
    return list;
  }

  add(userId: string, title: string): Todo {
    const now = new Date().toISOString();
    const todo: Todo = { id: randomUUID(), title, done: false, createdAt: now, updatedAt: now };
    this.list(userId).push(todo);
    return todo;
  }

  update(userId: string, id: string, patch: { title?: string; done?: boolean }): Todo | undefined {
    const todo = this.list(userId).find((candidate) => candidate.id === id);
    if (!todo) return undefined;
    if (patch.title !== undefined) todo.title = patch.title;
    if (patch.done !== undefined) todo.done = patch.done;
    todo.updatedAt = new Date().toISOString();
    return todo;
  }

  remove(userId: string, id: string): boolean {
    const list = this.list(userId);
    const index = list.findIndex((candidate) => candidate.id === id);
    if (index < 0) return false;
    list.splice(index, 1);
    return true;
  }
}
