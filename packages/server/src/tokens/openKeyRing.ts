import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { ServerConfig } from '../config.js';
import type { Store } from '../store/store.js';
import { fileKeySource } from './fileKeySource.js';
import { KeyRing, type KeySource } from './keys.js';
import { createSecretBox } from './secretBox.js';
import { storeKeySource } from './storeKeySource.js';

/**
 * Where this deployment keeps its signing keys: a file named by `keysFile` if given; otherwise in
 * the PostgreSQL database, sealed with `secret`, so every instance shares them; otherwise (the
 * embedded SQLite store) `signing-keys.json` beside the database file.
 */
export function keySourceFor(config: ServerConfig, store: Store): KeySource {
  if (config.keysFile !== undefined) return fileKeySource(config.dataDir, config.keysFile);
  if (config.databaseUrl !== undefined) {
    // resolveConfig already refused a PostgreSQL configuration with neither.
    if (config.secret === undefined) throw new TypeError('a secret is required for keys in the database');
    return storeKeySource(store, createSecretBox(config.secret));
  }
  return fileKeySource(config.dataDir);
}

/**
 * Opens the configured key ring; tokens signed by a retired key stay verifiable for their lifetime
 * plus a minute. For serving (the default), a configured `accessAlg` that differs from the active
 * key's algorithm rotates to a new key of that algorithm, so changing `BATON_ACCESS_ALG` on a
 * running deployment is a key rotation. Operator commands pass `adoptAlgorithm: false`: listing
 * keys must never change them.
 */
export async function openKeyRing(
  config: ServerConfig,
  store: Store,
  options: { readonly adoptAlgorithm?: boolean } = {},
): Promise<KeyRing> {
  const source = keySourceFor(config, store);
  if (config.keysFile === undefined && config.databaseUrl !== undefined) await awaitFirstKey(store);
  const ring = await KeyRing.open(source, {
    alg: config.accessAlg,
    clock: config.clock,
    publishFor: config.accessTtl + 60,
  });
  if (options.adoptAlgorithm ?? true) await ring.adoptAlgorithm(config.accessAlg);
  return ring;
}

/**
 * Instances started together on an empty database would each generate a first key and sign with
 * different keys until their next reload. Instead they elect one creator through the store's
 * insert-if-absent secret; the others wait (bounded) until its key appears, and only if it never
 * does (the creator died) generate their own.
 */
async function awaitFirstKey(store: Store, waitMs = 10_000): Promise<void> {
  if ((await store.listSigningKeys()).length > 0) return;
  const me = randomUUID();
  if ((await store.getOrCreateSecret('first-signing-key-creator', me)) === me) return;
  const deadline = performance.now() + waitMs;
  while (performance.now() < deadline) {
    if ((await store.listSigningKeys()).length > 0) return;
    await delay(50);
  }
}
