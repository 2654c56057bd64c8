import { asyncStorage, type TokenStorage } from '@baton/client';
import { Preferences } from '@capacitor/preferences';

/**
 * The session lives in Capacitor Preferences: native key-value storage on iOS and Android,
 * `localStorage` on the web. Swap in a secure-storage plugin (Keychain / Keystore) the same way.
 */
export function preferencesStorage(): TokenStorage {
  return asyncStorage({
    get: async (key) => (await Preferences.get({ key })).value,
    set: (key, value) => Preferences.set({ key, value }),
    remove: (key) => Preferences.remove({ key }),
  });
}
