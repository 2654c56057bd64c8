import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SAMPLE_TODOS } from '../bare/todos';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
}

/** The tutorials' in-memory users repository, with each user's todos beside it. */
@Injectable()
export class UsersService {
  private readonly byEmail = new Map<string, User>();
  private readonly todos = new Map<string, typeof SAMPLE_TODOS>();

  create(email: string, passwordHash: string): User | undefined {
    if (this.byEmail.has(email)) return undefined;
    const user = { id: randomUUID(), email, passwordHash };
    this.byEmail.set(email, user);
    this.todos.set(
      user.id,
      SAMPLE_TODOS.map((todo) => ({ ...todo })),
    );
    return user;
  }

  findByEmail(email: string): User | undefined {
    return this.byEmail.get(email);
  }

  todosOf(userId: string): typeof SAMPLE_TODOS {
    return this.todos.get(userId) ?? [];
  }
}
