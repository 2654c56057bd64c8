import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every device token starts with this prefix, so a leaked one is recognisable. */
export const DEVICE_TOKEN_PREFIX = 'bdt_';

const PATTERN = /^bdt_[A-Za-z0-9_-]{43}$/;
const ID_BYTES = 16;
const MAC_BYTES = 16;

/**
 * Device tokens mark a client that has signed in to an account before (OWASP's "device cookies"):
 * issued at each sign-in, kept by the client SDK beside (not inside) the session, and sent with the
 * next sign-in. Password guessing is limited per (account, client): a client with a valid token for
 * the account has a budget of its own, so an attacker who exhausts the account's budget for unknown
 * clients cannot lock the owner out of a device they have used before.
 *
 * A token is a random device id and an HMAC of it and the user id under a server secret: nothing is
 * stored, it cannot be forged without the secret, and it is worthless for any other account.
 */
export interface DeviceTokens {
  /** A token for a new device of `userId`. */
  issue(userId: string): string;
  /** The device id of `token` when it was issued to `userId`; otherwise undefined. */
  verify(userId: string, token: string | undefined): string | undefined;
}

export function createDeviceTokens(secret: Buffer): DeviceTokens {
  const mac = (userId: string, id: Buffer) =>
    createHmac('sha256', secret)
      .update(`baton device token v1\0${userId}\0`)
      .update(id)
      .digest()
      .subarray(0, MAC_BYTES);
  return {
    issue(userId) {
      const id = randomBytes(ID_BYTES);
      return DEVICE_TOKEN_PREFIX + Buffer.concat([id, mac(userId, id)]).toString('base64url');
    },
    verify(userId, token) {
      if (token === undefined || !PATTERN.test(token)) return undefined;
      const bytes = Buffer.from(token.slice(DEVICE_TOKEN_PREFIX.length), 'base64url');
      const id = bytes.subarray(0, ID_BYTES);
      const presented = bytes.subarray(ID_BYTES);
      if (presented.length !== MAC_BYTES || !timingSafeEqual(presented, mac(userId, id))) return undefined;
      return id.toString('base64url');
    },
  };
}
