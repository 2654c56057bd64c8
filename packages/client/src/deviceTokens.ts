import type { TokenStorage } from './storage/storage.js';

/** How many accounts' device tokens one client keeps (a shared family tablet, say). */
const MAX_ACCOUNTS = 20;

/**
 * The device tokens a Baton server hands out at each sign-in, one per account, kept beside (not
 * inside) the session: they outlive a sign-out, since they say "this device signed in to this
 * account before", which lets the server keep the owner's devices out of reach of a lockout that
 * an attacker triggers elsewhere. Stored as one value under `key`; an unreadable value is treated
 * as empty (the worst case is being treated as a new device once).
 */
export interface DeviceTokenStore {
  get(email: string): Promise<string | undefined>;
  set(email: string, token: string): Promise<void>;
}

const accountOf = (email: string) => email.trim().toLowerCase();

export function deviceTokenStore(storage: TokenStorage, key: string): DeviceTokenStore {
  const read = async (): Promise<Record<string, string>> => {
    try {
      const parsed: unknown = JSON.parse((await storage.get(key)) ?? '{}');
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  };
  return {
    async get(email) {
      const token = (await read())[accountOf(email)];
      return typeof token === 'string' ? token : undefined;
    },
    async set(email, token) {
      const tokens = await read();
      delete tokens[accountOf(email)];
      // Newest last: beyond the limit the account signed in to longest ago is forgotten.
      const kept = Object.entries({ ...tokens, [accountOf(email)]: token }).slice(-MAX_ACCOUNTS);
      await storage.set(key, JSON.stringify(Object.fromEntries(kept)));
    },
  };
}
