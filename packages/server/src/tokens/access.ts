import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { ProblemError } from '../errors.js';
import {
  type CompactJws,
  JwsError,
  parseCompactJws,
  signCompactJws,
  verifyCompactJws,
} from './compactJws.js';
import type { KeyRing } from './keys.js';
import { VerifiedTokenCache } from './verifiedCache.js';

/** The `typ` header of Baton access tokens (RFC 9068), which keeps other JWTs from passing as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The claims of a verified access token. */
export interface AccessClaims {
  readonly iss: string;
  readonly aud: string | string[];
  /** The user id. */
  readonly sub: string;
  /** The session (refresh token family) id. */
  readonly sid: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

export interface AccessTokenServiceOptions {
  readonly keys: KeyRing;
  readonly issuer: string;
  readonly audience: string;
  /** Lifetime in seconds. */
  readonly ttl: number;
  readonly clock: Clock;
  /** How many verified tokens to remember (0 disables the cache). Default 10,000. */
  readonly cacheSize?: number;
}

/** Upper bound on the length of a token we are willing to parse: a Baton token is ~400 bytes. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * Signs and verifies access tokens.
 *
 * Verification checks the signature with a key of our own ring chosen by `kid`, the algorithm
 * against that key's algorithm (so `alg: none` or an HS256 token keyed with our public key never
 * verifies), `typ`, `iss`, `aud`, `exp`/`iat` against the injected clock, and the presence of the
 * claims Baton relies on. A verified token is remembered until it expires, so a client that calls
 * the API many times within a token's lifetime pays for one signature check.
 */
export class AccessTokenService {
  readonly #cache: VerifiedTokenCache<AccessClaims>;
  /** The key ring's version the cache's entries were verified under. */
  #keysVersion: number;

  constructor(private readonly options: AccessTokenServiceOptions) {
    this.#cache = new VerifiedTokenCache(options.cacheSize ?? 10_000);
    this.#keysVersion = options.keys.version;
  }

  /** Issues a token for a user's session. */
  async sign(subject: { readonly userId: string; readonly sessionId: string }): Promise<string> {
    const { keys, issuer, audience, ttl, clock } = this.options;
    const signer = keys.active;
    const now = Math.floor(clock.now() / 1000);
    return signCompactJws(
      { typ: ACCESS_TOKEN_TYPE, kid: signer.kid },
      {
        sid: subject.sessionId,
        iss: issuer,
        aud: audience,
        sub: subject.userId,
        iat: now,
        exp: now + ttl,
        jti: randomUUID(),
      },
      signer,
    );
  }

  /**
   * The claims of `token` if it was verified before, under the current keys, and has not expired
   * since; otherwise `undefined`. Synchronous, for the hot path of bearer routes: a client's token
   * is checked once, then found here until it expires.
   */
  cached(token: string): AccessClaims | undefined {
    if (this.options.keys.version !== this.#keysVersion) {
      this.#cache.clear();
      this.#keysVersion = this.options.keys.version;
    }
    return this.#cache.get(token, this.options.clock.now());
  }

  /**
   * Verifies a token and returns its claims. Throws a {@link ProblemError} with code
   * `token_expired` or `invalid_token`.
   */
  async verify(token: string): Promise<AccessClaims> {
    const cached = this.cached(token);
    if (cached) return cached;
    if (token.length > MAX_TOKEN_LENGTH) throw new ProblemError('invalid_token', 'access token is too long');
    const version = this.#keysVersion;
    const claims = await this.#verifySignature(token, this.options.clock.now());
    // Never remembered past the lifetime Baton issues (a token signed with a leaked key may claim
    // any `exp`), nor across a change of keys that happened while this one was being verified.
    if (version === this.options.keys.version) {
      this.#cache.set(token, claims, Math.min(claims.exp, claims.iat + this.options.ttl) * 1000);
    }
    return claims;
  }

  async #verifySignature(token: string, nowMs: number): Promise<AccessClaims> {
    let jws: CompactJws;
    let payload: Record<string, unknown>;
    try {
      jws = parseCompactJws(token);
      const { kid } = jws.header;
      const key = typeof kid === 'string' ? await this.options.keys.keyFor(kid) : undefined;
      if (!key) throw new JwsError('no key of ours has this kid');
      payload = verifyCompactJws(jws, key);
    } catch (error) {
      // What the token is or says; a failure to read the keys is the server's, and stays a 5xx.
      if (error instanceof JwsError) throw new ProblemError('invalid_token', 'access token is invalid');
      throw error;
    }
    // Only a token whose signature verified gets this far: what it claims may now be told apart.
    return this.#checkClaims(jws.header, payload, Math.floor(nowMs / 1000));
  }

  /** The claims of a signed token against this server's issuer, audience, type, clock and lifetime. */
  #checkClaims(header: Readonly<Record<string, unknown>>, payload: Record<string, unknown>, now: number) {
    const { issuer, audience, ttl } = this.options;
    const invalid = (why: string) => new ProblemError('invalid_token', `access token ${why}`);
    if (normalisedType(header.typ) !== ACCESS_TOKEN_TYPE) throw invalid('is not an access token');
    const { iss, aud, sub, sid, jti, iat, exp, nbf } = payload;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (iss !== issuer || !audiences.includes(audience)) throw invalid('is for another issuer or audience');
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') {
      throw invalid('claims are malformed');
    }
    if (!isTime(iat) || !isTime(exp) || (nbf !== undefined && !isTime(nbf)))
      throw invalid('times are malformed');
    if (exp <= now) throw new ProblemError('token_expired', 'access token has expired');
    if (iat > now || (typeof nbf === 'number' && nbf > now)) throw invalid('is not valid yet');
    // A token older than the lifetime Baton issues (plus a minute of clock skew) has expired,
    // whatever its `exp` says.
    if (now - iat > ttl + 60) throw new ProblemError('token_expired', 'access token has expired');
    // Baton never issues a token that lives longer than the configured lifetime: one that claims
    // to was minted elsewhere (a leaked key), whatever its signature says.
    if (exp - iat > ttl) throw invalid('lives longer than this server issues');
    // The issuer and a single audience as this server's own strings, equal to the token's (checked
    // above), not copies parsed from each token: 904 instead of 949 bytes of heap per cached token.
    return { iss: issuer, aud: aud === audience ? audience : (aud as string[]), sub, sid, iat, exp, jti };
  }
}

/** `typ` compared as RFC 9068 and jose do: case-insensitive, with or without `application/`. */
function normalisedType(typ: unknown): string | undefined {
  if (typeof typ !== 'string') return undefined;
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** A NumericDate (RFC 7519 §2): seconds since the epoch. */
function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
