import type { TokenStorage } from './storage.js';

/** Any asynchronous string key-value store. */
export interface AsyncKeyValue {
  get(key: string): Promise<string | null | undefined>;
  set(key: string, value: string): Promise<unknown>;
  remove(key: string): Promise<unknown>;
}

/**
 * Adapts an asynchronous key-value store: Capacitor Preferences, a secure-storage plugin
 * (Keychain / Keystore), IndexedDB wrappers.
 *
 * @example
 * import { Preferences } from '@capacitor/preferences';
 * const storage = asyncStorage({
 *   get: async (key) => (await Preferences.get({ key })).value,
 *   set: (key, value) => Preferences.set({ key, value }),
 *   remove: (key) => Preferences.remove({ key }),
 * });
 */
export function asyncStorage(store: AsyncKeyValue): TokenStorage {
  for (const method of ['get', 'set', 'remove'] as const) {
    if (typeof store?.[method] !== 'function') throw new TypeError(`asyncStorage(): missing ${method}()`);
  }
  return {
    get: async (key) => (await store.get(key)) ?? null,
    set: async (key, value) => {
      await store.set(key, value);
    },
    remove: async (key) => {
      await store.remove(key);
    },
  };
}
