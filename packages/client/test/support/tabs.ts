import { type AuthClient, AuthError, type Backend, type TokenStorage } from '../../src/index.js';
import { fakeBackend } from './fakeBackend.js';

/** Lets every message and storage event on its way arrive. */
export async function settle(turns = 50): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * A server as djoser or OAuth 2 are: a logout revokes the one refresh token it is given (recorded
 * in `revoked`) and nothing else, so a successor only one tab knows stays live unless that tab
 * revokes it; a revoked token is refused.
 */
export function revokingServer(clock: { now(): number }) {
  const { backend } = fakeBackend(clock);
  const revoked: string[] = [];
  const server: Backend = {
    ...backend,
    refresh: async (context, refreshToken) => {
      if (revoked.includes(refreshToken))
        throw new AuthError('invalid_refresh_token', 'revoked', { status: 401 });
      return backend.refresh(context, refreshToken);
    },
    logout: async (_, session) => {
      revoked.push(session.refreshToken);
    },
  };
  return { backend: server, revoked };
}

/**
 * A refresh the server carries out at once and whose answer then waits on the wire until the
 * test lets it arrive.
 */
export function heldRefresh(refresh: Backend['refresh']) {
  let answer = () => {};
  const onTheWire = new Promise<void>((resolve) => {
    answer = resolve;
  });
  let asked = false;
  return {
    refresh: (async (...args) => {
      asked = true;
      const answered = refresh(...args);
      answered.catch(() => {});
      await onTheWire;
      return answered;
    }) satisfies Backend['refresh'],
    asked: () => asked,
    answer: () => answer(),
  };
}

export async function withoutBroadcastChannel(run: () => Promise<void>): Promise<void> {
  const channel = Object.getOwnPropertyDescriptor(globalThis, 'BroadcastChannel');
  Reflect.deleteProperty(globalThis, 'BroadcastChannel');
  try {
    await run();
  } finally {
    if (channel) Object.defineProperty(globalThis, 'BroadcastChannel', channel);
  }
}

/**
 * One `localStorage` seen by two tabs: a write in one tab reaches the other's `watch` a turn of
 * the event loop later, with the value it replaced, as the browser's `storage` event does. It
 * counts the writes, and refuses them (`QuotaExceededError`) when told to.
 */
export function webStorageOfTabs() {
  const values = new Map<string, string>();
  const watchers = {
    a: new Map<string, (value: string | null, previous: string | null) => void>(),
    b: new Map(),
  };
  let writes = 0;
  let full = false;
  const write = (tab: 'a' | 'b', key: string, value: string | null) => {
    writes += 1;
    const previous = values.get(key) ?? null;
    if (value === null) values.delete(key);
    else values.set(key, value);
    const other = watchers[tab === 'a' ? 'b' : 'a'].get(key);
    if (other) setImmediate(() => other(value, previous));
  };
  return {
    writes: () => writes,
    refuseWrites: (refuse: boolean) => {
      full = refuse;
    },
    of: (tab: 'a' | 'b'): TokenStorage => ({
      get: async (key) => values.get(key) ?? null,
      set: async (key, value) => {
        if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        write(tab, key, value);
      },
      remove: async (key) => write(tab, key, null),
      watch(key, onChange) {
        watchers[tab].set(key, onChange);
        return () => watchers[tab].delete(key);
      },
    }),
  };
}

/** The refresh token a tab holds, or `null` signed out. */
export const signedIn = (tab: AuthClient) => tab.session?.refreshToken ?? null;

/** The refresh token of a stored session, or `null`. */
export const tokenOf = (stored: string | null): string | null =>
  JSON.parse(stored ?? '{}').session?.refreshToken ?? null;
