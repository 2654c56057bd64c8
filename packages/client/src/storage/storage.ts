/**
 * Where the client keeps the session. Asynchronous so that Capacitor Preferences, secure-storage
 * plugins and IndexedDB fit; the client stores the whole session as ONE value under one key, so a
 * write never leaves a new access token next to an old refresh token.
 */
export interface TokenStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  remove(key: string): Promise<void>;
  /**
   * Optional: calls `onChange` with the new value (and, where the storage tells, the value it
   * replaced) when another tab or process changes `key`. Used for cross-tab sync where
   * `BroadcastChannel` is missing. Returns an unsubscribe function.
   */
  watch?(key: string, onChange: (value: string | null, previous?: string | null) => void): () => void;
}
