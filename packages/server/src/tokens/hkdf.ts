import { createHmac } from 'node:crypto';

/** The counter byte of HKDF-Expand's first block (RFC 5869 §2.3: T(1) = HMAC(PRK, info | 0x01)). */
const FIRST_BLOCK = Buffer.from([1]);

/**
 * HKDF-SHA256 (RFC 5869) for a 32-byte key: Extract (PRK = HMAC(salt, ikm)), then the first block
 * of Expand, which is the whole key at this length. The same bytes as node's
 * `hkdfSync('sha256', ikm, salt, info, 32)` (`hkdf.test.ts` checks RFC 5869's test vector and
 * compares the two), in about 4 µs instead of 9: `hkdfSync` first wraps its inputs in key
 * objects. It matters because every refresh derives one key (the grace window's sealed
 * successor, see `sealSuccessor`); a key derived once at start-up may use either.
 */
export function hkdfSha256(ikm: string | Buffer, salt: string | Buffer, info: string | Buffer): Buffer {
  const prk = createHmac('sha256', salt).update(ikm).digest();
  return createHmac('sha256', prk).update(info).update(FIRST_BLOCK).digest();
}
