import { setBounded } from '../boundedMap.js';

/**
 * A bounded memory of tokens whose signature and claims were verified, keyed by the exact token
 * text. An entry answers only until the token's own expiry, so the cache never extends a token's
 * life; any change to a token (a tampered payload, another signature) is a different key and goes
 * through full verification. Eviction is least-recently-inserted (a Map keeps insertion order).
 */
export class VerifiedTokenCache<T> {
  readonly #entries = new Map<string, { readonly value: T; readonly expiresAt: number }>();

  constructor(private readonly capacity: number) {}

  get(token: string, now: number): T | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.value;
  }

  set(token: string, value: T, expiresAt: number): void {
    setBounded(this.#entries, token, { value, expiresAt }, this.capacity);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
