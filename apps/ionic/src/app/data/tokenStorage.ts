import { asyncStorage, type TokenStorage } from '@baton/client';
import { Capacitor } from '@capacitor/core';
import { Preferences } from '@capacitor/preferences';
import { SecureStoragePlugin } from 'capacitor-secure-storage-plugin';

/**
 * Where the session lives. On iOS and Android: the Keychain / the Android Keystore, through
 * capacitor-secure-storage-plugin, so the refresh token is encrypted at rest and out of reach of
 * other apps and of backups. On the web: Capacitor Preferences (`localStorage`), the only storage a
 * page has that survives a reload.
 */
export function tokenStorage(): TokenStorage {
  return Capacitor.isNativePlatform() ? keychainStorage() : preferencesStorage();
}

function preferencesStorage(): TokenStorage {
  return asyncStorage({
    get: async (key) => (await Preferences.get({ key })).value,
    set: (key, value) => Preferences.set({ key, value }),
    remove: (key) => Preferences.remove({ key }),
  });
}

function keychainStorage(): TokenStorage {
  return asyncStorage({
    // The plugin rejects a missing key instead of answering null.
    get: async (key) => (await SecureStoragePlugin.keys()).value.includes(key)
      ? (await SecureStoragePlugin.get({ key })).value
      : null,
    set: (key, value) => SecureStoragePlugin.set({ key, value }),
    remove: async (key) => {
      if ((await SecureStoragePlugin.keys()).value.includes(key)) await SecureStoragePlugin.remove({ key });
    },
  });
}
