import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { ResourceClientRecord, Store } from '../store/store.js';

/** Prefix of resource-client ids, so a log line or a config file says what the value is. */
export const CLIENT_ID_PREFIX = 'brc_';
/** Prefix of resource-client secrets; secret scanners can look for it. */
export const CLIENT_SECRET_PREFIX = 'brs_';

/** A new client's credential: the secret exists only in this value, shown once to the operator. */
export interface ResourceClientCredential {
  readonly client: ResourceClientRecord;
  readonly clientSecret: string;
}

const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/**
 * Registers a resource server that may introspect tokens. The secret is 256 random bits; only its
 * SHA-256 digest is stored, which is enough for a random secret (no password to guess, so no slow
 * hash), and a leaked database holds nothing that authenticates.
 */
export async function createResourceClient(
  store: Store,
  clock: Clock,
  name: string,
): Promise<ResourceClientCredential> {
  const clientSecret = `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
  const client: ResourceClientRecord = {
    id: `${CLIENT_ID_PREFIX}${randomBytes(12).toString('base64url')}`,
    name,
    secretHash: digest(clientSecret).toString('hex'),
    createdAt: clock.now(),
  };
  await store.createResourceClient(client);
  return { client, clientSecret };
}

/** A digest to compare against when the client id is unknown, so both failures take the same work. */
const NO_CLIENT = digest(`${CLIENT_SECRET_PREFIX}no-such-client`);

/**
 * The client whose id and secret these are, or `undefined`. The digests are compared in constant
 * time, and an unknown id still pays for one digest and one comparison, so the answer's timing
 * does not tell which half was wrong.
 */
export async function authenticateResourceClient(
  store: Store,
  clientId: string,
  clientSecret: string,
): Promise<ResourceClientRecord | undefined> {
  const client = await store.findResourceClient(clientId);
  const expected = client ? Buffer.from(client.secretHash, 'hex') : NO_CLIENT;
  const presented = digest(clientSecret);
  const matches = expected.length === presented.length && timingSafeEqual(expected, presented);
  return client && matches ? client : undefined;
}
