import type { TokenStorage } from './storage.js';

/**
 * Keeps the session in memory only: it ends with the process or page. The default where no
 * `localStorage` exists (Node, workers).
 *
 * @example
 * const auth = createAuthClient({ baseUrl, storage: memoryStorage() });
 */
export function memoryStorage(): TokenStorage {
  const values = new Map<string, string>();
  return {
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => {
      values.set(key, value);
    },
    remove: async (key) => {
      values.delete(key);
    },
  };
}
