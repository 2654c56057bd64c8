import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { JsonBody, Todo } from './api';
import { TODOS_API_URL } from './apiUrls';

export type { Todo };

/**
 * The `/todos` resource of the todos API ({@link TODOS_API_URL}: Baton's own, or your API in front
 * of Baton). Requests go through HttpClient, so `batonInterceptor` signs them.
 */
@Injectable({ providedIn: 'root' })
export class TodosApi {
  readonly #http = inject(HttpClient);
  readonly #todos = `${inject(TODOS_API_URL)}/todos`;

  list(): Promise<Todo[]> {
    return firstValueFrom(this.#http.get<JsonBody<'/todos', 'get', 200>>(this.#todos));
  }

  add(title: string): Promise<Todo> {
    return firstValueFrom(this.#http.post<JsonBody<'/todos', 'post', 201>>(this.#todos, { title }));
  }

  setDone(id: string, done: boolean): Promise<Todo> {
    return firstValueFrom(
      this.#http.patch<JsonBody<'/todos/{id}', 'patch', 200>>(`${this.#todos}/${encodeURIComponent(id)}`, { done }),
    );
  }

  remove(id: string): Promise<void> {
    return firstValueFrom(this.#http.delete<void>(`${this.#todos}/${encodeURIComponent(id)}`));
  }
}
