import { AuthError, type Backend } from '../../src/index.js';

/**
 * An in-process backend, written the way the README tells users to write one: a plain object of
 * functions. Tokens are unsigned JWTs carrying `iat` and `exp` from the given clock.
 */
export function fakeBackend(clock: { now(): number }, accessTtlSeconds = 60) {
  let issued = 0;
  const state = {
    refreshCalls: 0,
    /** What the next refresh does. */
    mode: 'ok' as 'ok' | 'offline' | 'dead' | 'server_error',
  };
  const grant = () => {
    issued += 1;
    const iat = Math.floor(clock.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ sub: 'u1', iat, exp: iat + accessTtlSeconds })).toString(
      'base64url',
    );
    return {
      accessToken: `eyJhbGciOiJub25lIn0.${payload}.sig${issued}`,
      refreshToken: `rt_${issued}`,
      refreshExpiresIn: 3600,
      user: { id: 'u1', email: 'ada@example.com', name: 'Ada', createdAt: null, emailVerified: null },
    };
  };
  const backend: Backend = {
    login: async () => grant(),
    refresh: async () => {
      state.refreshCalls += 1;
      if (state.mode === 'offline') throw new TypeError('fetch failed');
      if (state.mode === 'server_error') throw new AuthError('server_error', 'boom', { status: 503 });
      if (state.mode === 'dead') throw new AuthError('invalid_refresh_token', 'dead', { status: 401 });
      return grant();
    },
  };
  return { backend, state };
}

/** A Web Storage object over a Map (the shape of `window.localStorage`). */
export function fakeWebStorage(): Storage {
  const values = new Map<string, string>();
  return {
    get length() {
      return values.size;
    },
    clear: () => values.clear(),
    getItem: (key) => values.get(key) ?? null,
    key: (index) => [...values.keys()][index] ?? null,
    removeItem: (key) => void values.delete(key),
    setItem: (key, value) => void values.set(key, String(value)),
  };
}
