import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Clock } from '../clock.js';
import { jwkThumbprint } from './thumbprint.js';

/**
 * A JSON Web Key (RFC 7517) as `node:crypto` reads and writes it. Declared here rather than taken
 * from `node:crypto`: Baton's published types must not depend on the `@types/node` an app has
 * installed, and newer ones no longer export `JsonWebKey`.
 */
export interface JWK {
  readonly kty?: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
  readonly n?: string;
  readonly e?: string;
  readonly d?: string;
  readonly kid?: string;
  readonly alg?: string;
  readonly use?: string;
  readonly [member: string]: unknown;
}

const generatePair = promisify(generateKeyPair);

/**
 * Signature algorithms Baton signs access tokens with: asymmetric, so resource servers verify with
 * the JWKS. ES256 is the default because every stock verifier has it (jsonwebtoken under
 * passport-jwt, PyJWT under simplejwt, jose); EdDSA is smaller and faster but missing from
 * jsonwebtoken and simplejwt 5; RS256 (2048-bit) is for verifiers that know nothing else.
 */
export type SigningAlgorithm = 'ES256' | 'EdDSA' | 'RS256';

/** Every {@link SigningAlgorithm}, for validating settings and command-line flags. */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256'];

/** The algorithm of new deployments. */
export const DEFAULT_SIGNING_ALGORITHM: SigningAlgorithm = 'ES256';

/** A signing key pair in its serialisable form. */
export interface StoredKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
  readonly createdAt: number;
  /** When the key stopped signing; `null` for the active key. */
  readonly retiredAt: number | null;
}

/** Where key pairs persist: files under the data directory, or the database for many instances. */
export interface KeySource {
  /** Every key, newest first. */
  list(): Promise<StoredKey[]>;
  /** Stores `key` as the active key and retires the previous one at `key.createdAt`. */
  add(key: StoredKey): Promise<void>;
}

/**
 * A public key that verifies access tokens, and the one algorithm it verifies. A `node:crypto`
 * key: verification uses its synchronous one-shot `verify` (see `compactJws.ts`).
 */
export interface VerificationKey {
  readonly alg: SigningAlgorithm;
  readonly key: KeyObject;
}

interface LoadedKey {
  readonly stored: StoredKey;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Generates a new key pair with an RFC 7638 thumbprint as its `kid`. */
export async function generateStoredKey(alg: SigningAlgorithm, now: number): Promise<StoredKey> {
  const pair =
    alg === 'ES256'
      ? await generatePair('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? await generatePair('ed25519')
        : // 2048-bit RSA: NIST's floor through 2030, and what every RS256 verifier accepts.
          await generatePair('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const publicJwk = pair.publicKey.export({ format: 'jwk' });
  const privateJwk = pair.privateKey.export({ format: 'jwk' });
  const kid = jwkThumbprint(publicJwk);
  const meta = { kid, alg, use: 'sig' };
  return {
    kid,
    alg,
    privateJwk: { ...privateJwk, ...meta },
    publicJwk: { ...publicJwk, ...meta },
    createdAt: now,
    retiredAt: null,
  };
}

/**
 * The server's signing keys: the active key signs, every key still within its verification window
 * verifies and is published in the JWKS. A retired key stays published for `publishFor` seconds
 * (the access token lifetime plus leeway) so tokens it signed keep verifying until they expire.
 */
export class KeyRing {
  #keys: LoadedKey[] = [];
  #version = 0;
  /** The reload an unknown `kid` started, shared by every lookup that waits for it. */
  #reloading: Promise<void> | undefined;
  #lastReloadForKid = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly source: KeySource,
    private readonly alg: SigningAlgorithm,
    private readonly clock: Clock,
    private readonly publishFor: number,
  ) {}

  /**
   * Loads the keys from `source`, generating the first key pair (of `alg`, default ES256) when
   * there is none. An existing ring keeps its active key whatever `alg` says: adopting a new
   * algorithm is a rotation, see {@link adoptAlgorithm}.
   */
  static async open(
    source: KeySource,
    options: { readonly alg?: SigningAlgorithm; readonly clock: Clock; readonly publishFor: number },
  ): Promise<KeyRing> {
    const alg = options.alg ?? DEFAULT_SIGNING_ALGORITHM;
    const ring = new KeyRing(source, alg, options.clock, options.publishFor);
    await ring.reload();
    if (ring.#keys.length === 0) await ring.rotate(alg);
    return ring;
  }

  /**
   * Makes `alg` the signing algorithm: when the active key is of another algorithm, rotates to a
   * new key of `alg`. The old key stays published (and verifying) for `publishFor` seconds, so
   * tokens it signed live out their lifetime. Returns the new key, or `undefined` when nothing
   * changed. Instances that start together may each rotate once; every key they make is published,
   * so at worst the JWKS holds one extra key until it ages out.
   */
  async adoptAlgorithm(alg: SigningAlgorithm): Promise<StoredKey | undefined> {
    if (this.active.alg === alg) return undefined;
    return this.rotate(alg);
  }

  /** Re-reads the source, picking up keys that another instance added (or retired). */
  async reload(): Promise<void> {
    const stored = await this.source.list();
    const describe = (keys: readonly Pick<StoredKey, 'kid' | 'retiredAt'>[]) =>
      keys.map((key) => `${key.kid}:${key.retiredAt}`).join(',');
    if (this.#keys.length > 0 && describe(stored) === describe(this.#keys.map((key) => key.stored))) return;
    this.#keys = stored.map(loadKey);
    this.#version++;
  }

  /**
   * Changes whenever the set of keys changes (a rotation here or elsewhere), so that whatever was
   * concluded with the old set (the verified-token cache) can be dropped: after a rotation that
   * answers a leaked key, nothing verified with it survives in a cache.
   */
  get version(): number {
    return this.#version;
  }

  /**
   * Adds a new active key of `alg` (default: the active key's algorithm, so a routine rotation
   * keeps it; the ring's configured algorithm when empty); the previous key keeps verifying until
   * its tokens have expired.
   */
  async rotate(
    alg: SigningAlgorithm = this.#keys.length > 0 ? this.active.alg : this.alg,
  ): Promise<StoredKey> {
    const key = await generateStoredKey(alg, this.clock.now());
    await this.source.add(key);
    await this.reload();
    return key;
  }

  /** The key that signs new tokens. */
  get active(): { readonly kid: string; readonly alg: SigningAlgorithm; readonly key: KeyObject } {
    const current = this.#keys.find((key) => key.stored.retiredAt === null) ?? this.#keys[0];
    if (!current) throw new Error('the key ring is empty');
    return { kid: current.stored.kid, alg: current.stored.alg, key: current.privateKey };
  }

  /** The public key for `kid`, if it is still within its verification window. */
  verificationKey(kid: string): VerificationKey | undefined {
    const found = this.#published().find((key) => key.stored.kid === kid);
    return found && { alg: found.stored.alg, key: found.publicKey };
  }

  /**
   * The public key for `kid`; for a `kid` this instance has not seen (another instance or `baton
   * keys rotate` added it moments ago) the source is re-read first, as jose's remote JWKS does.
   * Lookups that miss at once share one reload, and reloads for unknown kids are spaced by
   * `minGapMs`, so tokens with made-up kids cannot hammer the database.
   */
  async keyFor(kid: string, minGapMs = 5000): Promise<VerificationKey | undefined> {
    const known = this.verificationKey(kid);
    if (known) return known;
    const now = performance.now();
    if (!this.#reloading && now - this.#lastReloadForKid < minGapMs) return undefined;
    this.#lastReloadForKid = now;
    await this.#sharedReload();
    return this.verificationKey(kid);
  }

  /**
   * Re-reads the source every `intervalMs` (shorter than the minute a retired key stays published
   * beyond the token lifetime), so rotations elsewhere arrive even without an unknown `kid`. A
   * failed read keeps the keys as they were. The timer never keeps the process alive. Returns the
   * function that stops it.
   */
  reloadEvery(intervalMs = 30_000, onError: (error: unknown) => void = () => {}): () => void {
    const timer = setInterval(() => void this.#sharedReload().catch(onError), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  #sharedReload(): Promise<void> {
    this.#reloading ??= this.reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /** The JSON Web Key Set to publish (public halves only). */
  jwks(): { keys: JWK[] } {
    return { keys: this.#published().map((key) => ({ ...key.stored.publicJwk })) };
  }

  /** Every key with its state, for the `baton keys list` command. */
  describe(): Array<Pick<StoredKey, 'kid' | 'alg' | 'createdAt' | 'retiredAt'> & { published: boolean }> {
    const published = new Set(this.#published().map((key) => key.stored.kid));
    return this.#keys.map(({ stored: { kid, alg, createdAt, retiredAt } }) => ({
      kid,
      alg,
      createdAt,
      retiredAt,
      published: published.has(kid),
    }));
  }

  #published(): LoadedKey[] {
    const horizon = this.clock.now() - this.publishFor * 1000;
    return this.#keys.filter((key) => key.stored.retiredAt === null || key.stored.retiredAt > horizon);
  }
}

/**
 * The stored pair as `node:crypto` keys: tokens are signed and verified with its synchronous
 * one-shot functions (see `compactJws.ts`).
 */
function loadKey(stored: StoredKey): LoadedKey {
  const privateKey = createPrivateKey({ key: stored.privateJwk, format: 'jwk' });
  const publicKey = createPublicKey({ key: stored.publicJwk, format: 'jwk' });
  const curve = publicKey.asymmetricKeyDetails?.namedCurve;
  if (
    privateKey.asymmetricKeyType !== KEY_TYPES[stored.alg] ||
    publicKey.asymmetricKeyType !== KEY_TYPES[stored.alg] ||
    (stored.alg === 'ES256' && curve !== 'prime256v1')
  ) {
    throw new Error(`signing key ${stored.kid} is not an ${stored.alg} key pair`);
  }
  return { stored, privateKey, publicKey };
}

/** The `node:crypto` key type each algorithm's keys must have. */
const KEY_TYPES: Readonly<Record<SigningAlgorithm, string>> = { ES256: 'ec', EdDSA: 'ed25519', RS256: 'rsa' };
