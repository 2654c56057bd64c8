import type { TokenStorage } from './storage.js';

/** The part of the Web Storage API the adapter uses (`localStorage`, `sessionStorage`, or a stand-in). */
export interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Keeps the session in `localStorage` (or any Web Storage object), so it survives reloads and is
 * shared by every tab of the origin. Mind the trade-off: script injected into the page (XSS) can
 * read it; prefer a short access lifetime and a strict Content-Security-Policy.
 *
 * @example
 * const auth = createAuthClient({ baseUrl, storage: localStorageAdapter() });
 */
export function localStorageAdapter(storage: WebStorage = globalThis.localStorage): TokenStorage {
  if (storage === undefined)
    throw new TypeError('localStorageAdapter(): no localStorage in this environment');
  return {
    get: async (key) => storage.getItem(key),
    set: async (key, value) => storage.setItem(key, value),
    remove: async (key) => storage.removeItem(key),
    watch(key, onChange) {
      if (typeof globalThis.addEventListener !== 'function') return () => {};
      // `storage` events fire in every OTHER tab of the origin, never in the writer.
      const listener = (event: StorageEvent) => {
        if (event.storageArea === storage && event.key === key) onChange(event.newValue, event.oldValue);
      };
      globalThis.addEventListener('storage', listener);
      return () => globalThis.removeEventListener('storage', listener);
    },
  };
}

/** True where `localStorage` exists and may be touched (it throws in sandboxed frames). */
export function hasUsableLocalStorage(): boolean {
  try {
    return typeof globalThis.localStorage?.getItem === 'function';
  } catch {
    return false;
  }
}
