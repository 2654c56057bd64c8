import type { AuthClient, AuthEvent, Session } from '@baton/client';
import { SessionExpiredError } from '@baton/client';

/** A stand-in for the token client: the adapter only relies on its public interface. */
export interface FakeClient extends AuthClient {
  /** Calls of `recoverFromUnauthorized`, with the token each caller saw rejected. */
  readonly recoveries: string[];
  /** What the next recovery does: hand out this token, or end the session. */
  nextToken: string | 'dead';
  signIn(accessToken: string): void;
  emit(event: AuthEvent): void;
}

export function fakeSession(accessToken: string): Session {
  return {
    user: { id: 'u1', email: 'ada@example.com', name: 'Ada', createdAt: null, emailVerified: null },
    accessToken,
    refreshToken: 'brt_x',
    accessExpiresAt: Date.now() + 60_000,
    refreshExpiresAt: null,
  };
}

export function createFakeClient(options: { origin?: string; accessToken?: string } = {}): FakeClient {
  const origin = options.origin ?? 'https://api.example.com';
  const listeners = new Set<(event: AuthEvent) => void>();
  let session: Session | null = options.accessToken ? fakeSession(options.accessToken) : null;
  let refreshing: Promise<string> | null = null;
  const emit = (event: AuthEvent) => {
    if (event.type === 'signed-out') session = null;
    else if ('session' in event) session = event.session;
    for (const listener of listeners) listener(event);
  };
  const client: FakeClient = {
    ready: Promise.resolve(),
    recoveries: [],
    nextToken: 'fresh',
    signIn: (accessToken) => emit({ type: 'signed-in', session: fakeSession(accessToken) }),
    emit,
    register: async () => fakeSession('registered'),
    login: async () => fakeSession('logged-in'),
    logout: async () => emit({ type: 'signed-out', reason: 'logout' }),
    logoutAll: async () => emit({ type: 'signed-out', reason: 'logout' }),
    fetch: globalThis.fetch,
    getAccessToken: async () => session?.accessToken ?? null,
    get session() {
      return session;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    isAllowedUrl: (url) => new URL(String(url), `${origin}/`).origin === origin,
    recoverFromUnauthorized(rejected) {
      client.recoveries.push(rejected);
      if (session !== null && session.accessToken !== rejected) return Promise.resolve(session.accessToken);
      // Single flight, like the real client: every caller waits for the same refresh.
      refreshing ??= Promise.resolve().then(() => {
        refreshing = null;
        if (client.nextToken === 'dead') {
          emit({ type: 'signed-out', reason: 'revoked' });
          throw new SessionExpiredError();
        }
        emit({ type: 'refreshed', session: fakeSession(client.nextToken) });
        return client.nextToken;
      });
      return refreshing;
    },
    resume: async () => {},
    // The account operations are tested with the real client (test/account-real.test.ts).
    requestPasswordReset: notFaked,
    resetPassword: notFaked,
    changePassword: notFaked,
    verifyEmail: notFaked,
    resendVerification: notFaked,
    changeEmail: notFaked,
    updateProfile: notFaked,
    reloadUser: notFaked,
    deleteAccount: notFaked,
    dispose: () => listeners.clear(),
  };
  return client;
}

async function notFaked(): Promise<never> {
  throw new Error('The fake client has no account operations: test them with the real client.');
}
