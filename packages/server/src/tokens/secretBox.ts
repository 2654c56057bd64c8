import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hkdfSha256 } from './hkdf.js';
import { pooledRandomBytes } from './randomPool.js';

/** Thrown when a sealed value does not open: wrong `BATON_SECRET`, or tampered data. */
export class SecretBoxError extends Error {
  readonly code = 'secret_box_failed';
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** Seals small secrets (private keys) for storage: AES-256-GCM under a key derived from a passphrase. */
export interface SecretBox {
  /** Encrypts `plaintext`, bound to `context` (e.g. the key id) so a sealed value cannot be moved to another row. */
  seal(plaintext: string, context: string): string;
  /** Decrypts a value made by {@link SecretBox.seal} with the same secret and context. */
  open(sealed: string, context: string): string;
}

const VERSION = 'v1';

/**
 * Creates a {@link SecretBox} from a high-entropy secret: the deployment secret (`BATON_SECRET`),
 * or a refresh token for the successor it leads to. `purpose` separates the keys derived from one
 * secret for different uses. The AES key is derived with HKDF-SHA256 (the secret is expected to be high-entropy, e.g. `openssl rand -base64 32`, so
 * a slow password KDF would add start-up time and no strength). Each value gets a fresh 96-bit IV;
 * the GCM tag authenticates the ciphertext and the context, so a wrong secret or a swapped row
 * fails loudly instead of yielding a garbage key.
 *
 * @example
 * const box = createSecretBox(process.env.BATON_SECRET!);
 * const sealed = box.seal(JSON.stringify(privateJwk), kid);
 */
export function createSecretBox(secret: string, purpose = 'baton signing keys v1'): SecretBox {
  if (secret.length < 32) throw new TypeError('the secret must be at least 32 characters');
  const key = hkdfSha256(secret, 'baton', purpose);
  return {
    seal(plaintext, context) {
      const iv = pooledRandomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, body, cipher.getAuthTag()].map((part) => part.toString('base64url'));
      return [VERSION, ...parts].join('.');
    },
    open(sealed, context) {
      const [version, iv, body, tag, extra] = sealed.split('.');
      if (version !== VERSION || !iv || body === undefined || !tag || extra !== undefined) {
        throw new SecretBoxError('not a sealed value');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SecretBoxError('cannot decrypt: wrong BATON_SECRET or tampered data');
      }
    },
  };
}
