import { accountOperations } from './accountOperations.js';
import type { AuthClient, LogoutOptions } from './authClient.js';
import { createAuthorizedFetch } from './authorizedFetch.js';
import { backendFetch } from './backendFetch.js';
import type { BackendContext, LoginInput } from './backends/backend.js';
import { openTabChannel } from './crossTab.js';
import { deviceTokenStore } from './deviceTokens.js';
import { AuthError, asAuthError, RefreshUnavailableError, SessionExpiredError } from './errors.js';
import { type AuthEvent, createEmitter } from './events.js';
import { watchResume } from './lifecycle.js';
import { type AuthClientOptions, resolveOptions } from './options.js';
import { createRefreshScheduler } from './scheduler.js';
import { decodeState, type Session, stateFromGrant, type TokenGrant } from './session.js';
import { createSessionKeeper } from './sessionKeeper.js';
import { createSessionRefresh, onDemand } from './sessionRefresh.js';
import { resolveUrl } from './url.js';

/**
 * Creates the token client.
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://api.example.com' });
 * await auth.login({ email: 'ada@example.com', password: 'correct horse battery' });
 * const todos = await (await auth.fetch('https://api.example.com/todos')).json();
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const config = resolveOptions(options);
  const { storage, storageKey, clock, backend, timers } = config;
  const events = createEmitter<AuthEvent>();
  const devices = deviceTokenStore(storage, `${storageKey}.devices`);
  let disposed = false;

  const context: BackendContext = {
    baseUrl: config.baseUrl,
    fetch: backendFetch(config.fetch, config.refreshTimeoutMs, timers),
  };
  const tabs = openTabChannel({
    name: `baton:${storageKey}`,
    enabled: config.crossTab,
    storage,
    storageKey,
    lockTimeoutMs: config.lockTimeoutMs,
    timers,
    onMessage(message) {
      if (disposed) return;
      void keeper.apply(
        message.type === 'session'
          ? { type: 'refreshed', state: message.state, origin: 'elsewhere' }
          : { ...message, origin: 'elsewhere' },
      );
    },
  });
  const serverNow = () => clock.now() + (keeper.state?.skewMs ?? 0);
  const scheduler = createRefreshScheduler({
    timers,
    serverNow,
    onDue: () => {
      refresh().catch(() => {
        // Scheduled refreshes report through events and the next caller; nobody awaits this one.
      });
    },
  });
  const keeper = createSessionKeeper({
    storage,
    storageKey,
    publish: (message) => tabs.publish(message),
    emit: (event) => events.emit(event),
    revoke(session) {
      Promise.resolve()
        .then(() => backend.logout?.(context, session))
        .catch(() => {
          // Best effort, as logout() is: the token expires on its own.
        });
    },
    changed: (state, failedAttempts, retryAfterMs) => scheduler.plan(state, failedAttempts, retryAfterMs),
  });
  const refresh = createSessionRefresh({
    keeper,
    backend,
    context,
    withLock: (task) => tabs.withLock(task),
    shared: config.crossTab
      ? { storage, storageKey, rotations: tabs.rotations, newsTimeoutMs: config.lockTimeoutMs }
      : null,
    timers,
    clock,
    leadMs: config.leadMs,
  });
  // Every refresh but the scheduler's waits for the server's Retry-After (see onDemand).
  const refreshNow = onDemand(refresh, keeper, clock);

  const ready = (async () => {
    let stored = null;
    try {
      stored = decodeState(await storage.get(storageKey));
      const refreshExpiresAt = stored?.session.refreshExpiresAt ?? null;
      if (stored !== null && refreshExpiresAt !== null && refreshExpiresAt <= clock.now() + stored.skewMs) {
        stored = null;
        await storage.remove(storageKey);
      }
    } catch {
      // Unreadable storage: start signed out rather than never becoming ready.
    }
    await keeper.apply({ type: 'restored', state: stored });
  })();

  async function getAccessToken(): Promise<string | null> {
    await ready;
    const current = keeper.state;
    if (current === null) return null;
    if (refresh.pending() === null && serverNow() < current.refreshAt) return current.session.accessToken;
    try {
      return (await refreshNow()).session.accessToken;
    } catch (error) {
      // A token that is only close to expiry still works while the server is unreachable.
      if (
        error instanceof RefreshUnavailableError &&
        keeper.state === current &&
        serverNow() < current.session.accessExpiresAt
      ) {
        return current.session.accessToken;
      }
      throw error;
    }
  }

  async function recoverFromUnauthorized(rejectedAccessToken: string): Promise<string> {
    await ready;
    const current = keeper.state;
    if (current === null) throw new SessionExpiredError();
    if (current.session.accessToken !== rejectedAccessToken) return current.session.accessToken;
    return (await refreshNow()).session.accessToken;
  }

  async function signIn(email: string, grantOf: () => Promise<TokenGrant>): Promise<Session> {
    await ready;
    const grant = await grantOf().catch((error: unknown) => Promise.reject(asAuthError(error)));
    if (grant.deviceToken !== undefined) {
      await devices.set(email, grant.deviceToken).catch(() => {
        // A convenience: a full storage must not fail a sign-in the server made (storing the
        // session fails too, and the keeper tells the app).
      });
    }
    const next = stateFromGrant(grant, clock.now(), config.leadMs, null);
    await keeper.apply({ type: 'signed-in', state: next, origin: 'here' });
    return next.session;
  }

  /**
   * Runs an operation of the server on this session with a fresh access token; a 401 (the token
   * died in between) gets one refresh and one retry. Returns what the operation returns; throws
   * what the server answered, or SessionExpiredError when nobody is signed in.
   */
  async function onServer<T>(operation: (session: Session) => Promise<T>): Promise<T> {
    const token = await getAccessToken();
    const current = keeper.state;
    if (token === null || current === null) throw new SessionExpiredError();
    try {
      return await operation(current.session);
    } catch (error) {
      const failure = asAuthError(error);
      if (failure.status !== 401) throw failure;
      await recoverFromUnauthorized(token);
      const renewed = keeper.state;
      if (renewed === null) throw new SessionExpiredError();
      return operation(renewed.session).catch((again: unknown) => Promise.reject(asAuthError(again)));
    }
  }

  const isAllowedUrl = (url: string | URL) => {
    try {
      return config.allowedOrigins.has(resolveUrl(url, config.baseUrl).origin);
    } catch {
      return false;
    }
  };

  async function resume(): Promise<void> {
    await ready;
    if (keeper.state === null || disposed) return;
    if (config.crossTab) {
      const stored = decodeState(await storage.get(storageKey));
      if (stored !== null) await keeper.apply({ type: 'refreshed', state: stored, origin: 'elsewhere' });
    }
    const current = keeper.state;
    if (current !== null && serverNow() >= current.refreshAt) {
      // The server's Retry-After holds here too: a page made visible or a network back says
      // nothing of a server that answered "wait". A wait that ended while the tab slept (and its
      // timers with it) stops nothing.
      await refreshNow().catch(() => {
        // The outcome is reported through events (signed-out, refresh-unavailable) and retried.
      });
    }
  }
  const unwatchResume = watchResume(() => void resume());

  return {
    ready,
    async register(input) {
      checkCredentials(input, 'register');
      const register = backend.register;
      if (register === undefined) throw new AuthError('not_supported', 'This server has no registration.');
      return signIn(input.email, () => register(context, input));
    },
    async login(input) {
      checkCredentials(input, 'login');
      const deviceToken = await devices.get(input.email);
      return signIn(input.email, () =>
        backend.login(context, deviceToken === undefined ? input : { ...input, deviceToken }),
      );
    },
    async logout(options?: LogoutOptions) {
      const scope = options?.scope ?? 'current';
      if (scope === 'others') {
        const logoutOthers = backend.logoutOthers;
        if (logoutOthers === undefined)
          throw new AuthError('not_supported', 'This server cannot end the other sessions.');
        return onServer((session) => logoutOthers(context, session));
      }
      if (scope !== 'current') throw new TypeError(`logout(): unknown scope '${String(scope)}'`);
      await ready;
      const current = keeper.state;
      if (current === null) return;
      await keeper.apply({ type: 'signed-out', reason: 'logout', origin: 'here' });
      try {
        await backend.logout?.(context, current.session);
      } catch {
        // Local sign-out already happened; the server's copy expires on its own.
      }
    },
    async logoutAll() {
      const logoutAll = backend.logoutAll;
      if (logoutAll === undefined)
        throw new AuthError('not_supported', 'This server cannot end all sessions.');
      // Only a confirmed "sign out everywhere" signs out here: if the server did not hear it, the
      // other devices are still signed in, and this one must not pretend otherwise.
      await onServer((session) => logoutAll(context, session));
      await keeper.apply({ type: 'signed-out', reason: 'logout', origin: 'here' });
    },
    ...accountOperations({ backend, context, ready, keeper, onServer }),
    fetch: createAuthorizedFetch({
      fetch: config.fetch,
      baseUrl: config.baseUrl,
      isAllowedUrl,
      getAccessToken,
      recoverFromUnauthorized,
    }),
    getAccessToken,
    get session() {
      return keeper.state?.session ?? null;
    },
    subscribe(listener) {
      const unsubscribe = events.subscribe(listener);
      // A listener that comes after the restore still gets the session it starts from, at once.
      if (keeper.restored) {
        try {
          listener({ type: 'initial-session', session: keeper.state?.session ?? null });
        } catch (error) {
          queueMicrotask(() => {
            throw error;
          });
        }
      }
      return unsubscribe;
    },
    isAllowedUrl,
    recoverFromUnauthorized,
    resume,
    dispose() {
      disposed = true;
      scheduler.stop();
      unwatchResume();
      tabs.close();
      events.clear();
    },
  };
}

function checkCredentials(input: LoginInput, operation: string): void {
  if (typeof input?.email !== 'string' || typeof input.password !== 'string') {
    throw new TypeError(`${operation}() expects { email: string, password: string }`);
  }
}
