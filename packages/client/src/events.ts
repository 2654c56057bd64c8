import type { Session } from './session.js';

/** Why a session ended. */
export type SignOutReason = 'logout' | 'refresh_failed' | 'reused' | 'revoked';

/** What subscribers of {@link AuthClient.subscribe} receive. */
export type AuthEvent =
  | { readonly type: 'signed-in'; readonly session: Session }
  | { readonly type: 'refreshed'; readonly session: Session }
  | { readonly type: 'signed-out'; readonly reason: SignOutReason };

/** A minimal typed event emitter: listeners run synchronously, in subscription order. */
export interface Emitter<E> {
  emit(event: E): void;
  subscribe(listener: (event: E) => void): () => void;
  clear(): void;
}

export function createEmitter<E>(): Emitter<E> {
  const listeners = new Set<(event: E) => void>();
  return {
    emit(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          // A broken listener must not stop the others nor the client's own state change.
          queueMicrotask(() => {
            throw error;
          });
        }
      }
    },
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('subscribe() expects a function');
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    clear() {
      listeners.clear();
    },
  };
}
