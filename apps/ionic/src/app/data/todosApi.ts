import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom } from 'rxjs';

/** A todo as the server returns it. */
export interface Todo {
  readonly id: string;
  readonly title: string;
  readonly done: boolean;
  readonly createdAt: string;
}

/** The server's `/todos` resource. Requests go through HttpClient, so `batonInterceptor` signs them. */
@Injectable({ providedIn: 'root' })
export class TodosApi {
  readonly #http = inject(HttpClient);

  list(): Promise<Todo[]> {
    return firstValueFrom(this.#http.get<Todo[]>('/todos'));
  }

  add(title: string): Promise<Todo> {
    return firstValueFrom(this.#http.post<Todo>('/todos', { title }));
  }

  setDone(id: string, done: boolean): Promise<Todo> {
    return firstValueFrom(this.#http.patch<Todo>(`/todos/${encodeURIComponent(id)}`, { done }));
  }

  remove(id: string): Promise<void> {
    return firstValueFrom(this.#http.delete<void>(`/todos/${encodeURIComponent(id)}`));
  }
}
