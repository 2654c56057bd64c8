import type { AuthClient } from './authClient.js';
import { createAuthorizedFetch } from './authorizedFetch.js';
import type { BackendContext, LoginInput } from './backends/backend.js';
import { openTabChannel, type TabMessage } from './crossTab.js';
import { AuthError, RefreshUnavailableError, SessionExpiredError } from './errors.js';
import { type AuthEvent, createEmitter, type SignOutReason } from './events.js';
import { createTimer, watchResume } from './lifecycle.js';
import { type AuthClientOptions, resolveOptions } from './options.js';
import { singleFlight } from './refresh.js';
import {
  decodeState,
  encodeState,
  type Session,
  type SessionState,
  stateFromGrant,
  type TokenGrant,
} from './session.js';

const MAX_RETRY_DELAY_MS = 60_000;

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
  const { storage, storageKey, clock, backend } = config;
  const events = createEmitter<AuthEvent>();
  const timer = createTimer();
  let state: SessionState | null = null;
  let failedAttempts = 0;
  let disposed = false;

  const context: BackendContext = {
    baseUrl: config.baseUrl,
    fetch: (input, init) =>
      config.fetch(input, {
        ...init,
        // A hung refresh would hold the cross-tab lock and every waiting request forever.
        signal: init?.signal ?? refreshDeadline(config.refreshTimeoutMs),
      }),
  };
  const serverNow = () => clock.now() + (state?.skewMs ?? 0);
  const isNewer = (candidate: SessionState, than: SessionState) =>
    candidate.session.refreshToken !== than.session.refreshToken &&
    candidate.session.accessExpiresAt >= than.session.accessExpiresAt;

  const tabs = openTabChannel({
    name: `baton:${storageKey}`,
    enabled: config.crossTab,
    storage,
    storageKey,
    onMessage: onTabMessage,
  });

  function schedule(): void {
    if (state === null || disposed) {
      timer.clear();
      return;
    }
    const delay =
      failedAttempts === 0
        ? state.refreshAt - serverNow()
        : Math.min(MAX_RETRY_DELAY_MS, 1000 * 2 ** (failedAttempts - 1)) * (0.75 + Math.random() / 2);
    timer.set(delay, () => {
      refreshSession().catch(() => {
        // Scheduled refreshes report through events and the next caller; nobody awaits this one.
      });
    });
  }

  /** Makes `next` the session: memory first (so readers never see a gap), then storage and tabs. */
  async function adopt(next: SessionState, type: 'signed-in' | 'refreshed', tell: boolean): Promise<void> {
    state = next;
    failedAttempts = 0;
    schedule();
    await storage.set(storageKey, encodeState(next));
    if (tell) tabs.publish({ type: 'session', state: next });
    events.emit({ type, session: next.session });
  }

  /** Ends the session once: a second call (or a message from another tab) finds nothing to end. */
  async function endSession(reason: SignOutReason, tell: boolean): Promise<void> {
    if (state === null) return;
    state = null;
    failedAttempts = 0;
    timer.clear();
    try {
      await storage.remove(storageKey);
    } finally {
      if (tell) tabs.publish({ type: 'signed-out', reason });
      events.emit({ type: 'signed-out', reason });
    }
  }

  function onTabMessage(message: TabMessage): void {
    if (disposed) return;
    if (message.type === 'signed-out') {
      if (state === null) return;
      state = null;
      timer.clear();
      events.emit({ type: 'signed-out', reason: message.reason });
    } else if (state === null || isNewer(message.state, state)) {
      const type = state === null ? 'signed-in' : 'refreshed';
      state = message.state;
      failedAttempts = 0;
      schedule();
      events.emit({ type, session: message.state.session });
    }
  }

  const refreshSession = singleFlight(async (): Promise<SessionState> => {
    const before = state;
    if (before === null) throw new SessionExpiredError();
    return tabs.withLock(async () => {
      if (state !== before) {
        if (state !== null) return state;
        throw new SessionExpiredError();
      }
      if (config.crossTab) {
        // Another tab may have rotated the token while this one waited for the lock.
        const stored = decodeState(await storage.get(storageKey));
        if (stored !== null && isNewer(stored, before)) {
          await adopt(stored, 'refreshed', false);
          return stored;
        }
      }
      let next: SessionState;
      try {
        const grant = await backend.refresh(context, before.session.refreshToken);
        next = stateFromGrant(grant, clock.now(), config.leadMs, before.session.user);
      } catch (error) {
        if (error instanceof AuthError && (error.status === 400 || error.status === 401)) {
          await endSession(signOutReasonOf(error.code), true);
          throw new SessionExpiredError(error.message, error.code, error);
        }
        failedAttempts += 1;
        schedule();
        throw new RefreshUnavailableError(error, error instanceof AuthError ? error.status : undefined);
      }
      // Signed out (or in as someone else) while the request was on the wire: keep that decision.
      if (state !== before) {
        if (state !== null) return state;
        throw new SessionExpiredError();
      }
      await adopt(next, 'refreshed', true);
      return next;
    });
  });

  async function getAccessToken(): Promise<string | null> {
    await ready;
    const current = state;
    if (current === null) return null;
    if (refreshSession.pending() === null && serverNow() < current.refreshAt)
      return current.session.accessToken;
    try {
      return (await refreshSession()).session.accessToken;
    } catch (error) {
      // A token that is only close to expiry still works while the server is unreachable.
      if (
        error instanceof RefreshUnavailableError &&
        state === current &&
        serverNow() < current.session.accessExpiresAt
      ) {
        return current.session.accessToken;
      }
      throw error;
    }
  }

  async function recoverFromUnauthorized(rejectedAccessToken: string): Promise<string> {
    await ready;
    if (state === null) throw new SessionExpiredError();
    if (state.session.accessToken !== rejectedAccessToken) return state.session.accessToken;
    return (await refreshSession()).session.accessToken;
  }

  async function signIn(grantOf: () => Promise<TokenGrant>): Promise<Session> {
    await ready;
    const next = stateFromGrant(await grantOf(), clock.now(), config.leadMs, null);
    await adopt(next, 'signed-in', true);
    return next.session;
  }

  const ready = (async () => {
    try {
      const stored = decodeState(await storage.get(storageKey));
      if (stored === null || state !== null) return;
      const refreshExpiresAt = stored.session.refreshExpiresAt;
      if (refreshExpiresAt !== null && refreshExpiresAt <= clock.now() + stored.skewMs) {
        await storage.remove(storageKey);
        return;
      }
      state = stored;
      schedule();
    } catch {
      // Unreadable storage: start signed out rather than never becoming ready.
    }
  })();

  const isAllowedUrl = (url: string | URL) => {
    try {
      return config.allowedOrigins.has(new URL(String(url), `${config.baseUrl}/`).origin);
    } catch {
      return false;
    }
  };

  const resume = async () => {
    await ready;
    if (state === null || disposed) return;
    if (config.crossTab) {
      const stored = decodeState(await storage.get(storageKey));
      if (stored !== null && state !== null && isNewer(stored, state))
        await adopt(stored, 'refreshed', false);
    }
    if (state !== null && serverNow() >= state.refreshAt) {
      await refreshSession().catch(() => {
        // The outcome is reported through events (signed-out) and retried with back-off.
      });
    }
  };
  const unwatchResume = watchResume(() => void resume());

  return {
    ready,
    async register(input) {
      checkCredentials(input, 'register');
      const register = backend.register;
      if (register === undefined) throw new AuthError('not_supported', 'This backend has no registration.');
      return signIn(() => register(context, input));
    },
    async login(input) {
      checkCredentials(input, 'login');
      return signIn(() => backend.login(context, input));
    },
    async logout() {
      await ready;
      const current = state;
      if (current === null) return;
      await endSession('logout', true);
      try {
        await backend.logout?.(context, current.session);
      } catch {
        // Local sign-out already happened; the server's copy expires on its own.
      }
    },
    async logoutAll() {
      const logoutAll = backend.logoutAll;
      if (logoutAll === undefined)
        throw new AuthError('not_supported', 'This backend cannot end all sessions.');
      if ((await getAccessToken()) === null || state === null) throw new SessionExpiredError();
      try {
        await logoutAll(context, state.session);
      } finally {
        await endSession('logout', true);
      }
    },
    fetch: createAuthorizedFetch({
      fetch: config.fetch,
      baseUrl: config.baseUrl,
      isAllowedUrl,
      getAccessToken,
      recoverFromUnauthorized,
    }),
    getAccessToken,
    get session() {
      return state?.session ?? null;
    },
    subscribe: (listener) => events.subscribe(listener),
    isAllowedUrl,
    recoverFromUnauthorized,
    resume,
    dispose() {
      disposed = true;
      timer.clear();
      unwatchResume();
      tabs.close();
      events.clear();
    },
  };
}

/** `AbortSignal.timeout` is missing in Safari before 16; there the platform's own timeouts apply. */
function refreshDeadline(ms: number): AbortSignal | null {
  return typeof AbortSignal.timeout === 'function' ? AbortSignal.timeout(ms) : null;
}

function signOutReasonOf(code: string): SignOutReason {
  if (code === 'refresh_token_reused') return 'reused';
  if (code === 'session_revoked') return 'revoked';
  return 'refresh_failed';
}

function checkCredentials(input: LoginInput, operation: string): void {
  if (typeof input?.email !== 'string' || typeof input.password !== 'string') {
    throw new TypeError(`${operation}() expects { email: string, password: string }`);
  }
}
