import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';

/** An Ed25519 key pair and a JWT signed with it, for the bare `node:http` + Ed25519 reference. */
export function mintEd25519Token(): { publicJwk: string; token: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${encode({ alg: 'EdDSA', typ: 'at+jwt', kid: 'bench' })}.${encode({
    iss: 'bench',
    aud: 'bench',
    sub: randomUUID(),
    sid: randomUUID(),
    iat: now,
    exp: now + 3600,
    jti: randomUUID(),
  })}`;
  const signature = sign(null, Buffer.from(signingInput), privateKey).toString('base64url');
  return {
    publicJwk: JSON.stringify(publicKey.export({ format: 'jwk' })),
    token: `${signingInput}.${signature}`,
  };
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * The spellings of `token` that differ only in the unused low bits of the signature's last
 * base64url character (a 64-byte signature leaves 4 spare bits: 16 spellings). They decode to the
 * same bytes, so a server accepts them all, yet each is a distinct string to a cache keyed by the
 * token text: a way to make every request pay a full signature check.
 */
export function signatureSpellings(token: string): string[] {
  const last = token.at(-1)!;
  const value = BASE64URL.indexOf(last);
  const head = token.slice(0, -1);
  return Array.from({ length: 16 }, (_, spare) => `${head}${BASE64URL[(value & ~0xf) | spare]}`);
}

/** Writes tokens one a line, for wrk's script. */
export function writeTokens(path: string, tokens: readonly string[]): string {
  writeFileSync(path, `${tokens.join('\n')}\n`);
  return path;
}
