import { Injectable } from '@angular/core';

const KEY = 'baton-app.todo-draft';

/**
 * The todo being typed, kept in this tab's `sessionStorage` under the user's id, so that a forced
 * sign-out (a revoked session) does not lose it: after signing in again as the same user it is
 * back in the field. Another user never sees it, and closing the tab forgets it.
 */
@Injectable({ providedIn: 'root' })
export class TodoDraft {
  read(userId: string): string {
    try {
      const saved = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as { userId?: unknown; text?: unknown } | null;
      return saved?.userId === userId && typeof saved.text === 'string' ? saved.text : '';
    } catch {
      return '';
    }
  }

  write(userId: string, text: string): void {
    try {
      if (text === '') sessionStorage.removeItem(KEY);
      else sessionStorage.setItem(KEY, JSON.stringify({ userId, text }));
    } catch {
      // Storage full or disabled: the draft is a convenience.
    }
  }

  clear(): void {
    this.write('', '');
  }
}
