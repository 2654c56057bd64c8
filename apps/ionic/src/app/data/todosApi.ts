import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { TODOS_API_URL } from './todosApiUrl';

/** A todo as the server returns it. */
export interface Todo {
  readonly id: string;
  readonly title: string;
  readonly done: boolean;
  readonly createdAt: string;
}

/**
 * The `/todos` resource of the todos API ({@link TODOS_API_URL}: Baton's own, or your API in front
 * of Baton). Requests go through HttpClient, so `batonInterceptor` signs them.
 */
@Injectable({ providedIn: 'root' })
export class TodosApi {
  readonly #http = inject(HttpClient);
  readonly #todos = `${inject(TODOS_API_URL)}/todos`;

  list(): Promise<Todo[]> {
    return firstValueFrom(this.#http.get<Todo[]>(this.#todos));
  }

  add(title: string): Promise<Todo> {
    return firstValueFrom(this.#http.post<Todo>(this.#todos, { title }));
  }

  setDone(id: string, done: boolean): Promise<Todo> {
    return firstValueFrom(this.#http.patch<Todo>(`${this.#todos}/${encodeURIComponent(id)}`, { done }));
  }

  remove(id: string): Promise<void> {
    return firstValueFrom(this.#http.delete<void>(`${this.#todos}/${encodeURIComponent(id)}`));
  }
}
