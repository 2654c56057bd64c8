import type { Store } from '../store/store.js';
import type { KeySource, SigningAlgorithm, StoredKey } from './keys.js';
import type { SecretBox } from './secretBox.js';

/**
 * Keeps signing keys in the database, so every instance of a scaled-out deployment signs with the
 * same active key and publishes the same JWKS. Private keys are sealed with `box` (AES-256-GCM
 * under `BATON_SECRET`) bound to their `kid`: a database dump alone cannot mint tokens.
 *
 * @example
 * const keys = await KeyRing.open(storeKeySource(store, createSecretBox(secret)), { clock, publishFor });
 */
export function storeKeySource(store: Store, box: SecretBox): KeySource {
  return {
    async list() {
      const records = await store.listSigningKeys();
      return records.map(
        (record): StoredKey => ({
          kid: record.kid,
          alg: record.alg as SigningAlgorithm,
          privateJwk: JSON.parse(box.open(record.privateKey, record.kid)),
          publicJwk: JSON.parse(record.publicJwk),
          createdAt: record.createdAt,
          retiredAt: record.retiredAt,
        }),
      );
    },
    async add(key) {
      await store.addSigningKey({
        kid: key.kid,
        alg: key.alg,
        privateKey: box.seal(JSON.stringify(key.privateJwk), key.kid),
        publicJwk: JSON.stringify(key.publicJwk),
        createdAt: key.createdAt,
        retiredAt: key.retiredAt,
      });
    },
  };
}
