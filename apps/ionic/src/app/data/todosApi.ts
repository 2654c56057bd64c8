import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { JsonBody, Todo } from './api';

export type { Todo };

/** The server's `/todos` resource. Requests go through HttpClient, so `batonInterceptor` signs them. */
@Injectable({ providedIn: 'root' })
export class TodosApi {
  readonly #http = inject(HttpClient);

  list(): Promise<Todo[]> {
    return firstValueFrom(this.#http.get<JsonBody<'/todos', 'get', 200>>('/todos'));
  }

  add(title: string): Promise<Todo> {
    return firstValueFrom(this.#http.post<JsonBody<'/todos', 'post', 201>>('/todos', { title }));
  }

  setDone(id: string, done: boolean): Promise<Todo> {
    return firstValueFrom(
      this.#http.patch<JsonBody<'/todos/{id}', 'patch', 200>>(`/todos/${encodeURIComponent(id)}`, { done }),
    );
  }

  remove(id: string): Promise<void> {
    return firstValueFrom(this.#http.delete<void>(`/todos/${encodeURIComponent(id)}`));
  }
}
