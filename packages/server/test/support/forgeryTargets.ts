import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import type { Forgery } from './forgedTokens.js';
import type { FuzzLedger } from './fuzzOracle.js';
import { compactJws, type ServerSigningKey, signedBy, signers } from './jws.js';
import { basicAuthorization, type ResourceClient } from './resourceClient.js';
import type { ApiResponse, TestServer } from './server.js';

/** Node's default limit on the size of all request headers together. */
const MAX_HEADER_BYTES = 16 * 1024;
/** The server's body limit, which alone bounds the token of POST /oauth/introspect. */
const BODY_LIMIT = 16 * 1024;

/** How a check judged a token: accepted (200) or refused (any 4xx), with the problem code if any. */
export interface Verdict {
  readonly status: number;
  readonly code?: string;
}

/** One of the ways the server checks an access token. */
export interface TokenCheck {
  readonly name: string;
  /** Whether its errors are OAuth bodies (RFC 6749 §5.2) rather than problem+json. */
  readonly oauth: boolean;
  send(token: string): Promise<ApiResponse>;
  /** The verdict an answer carries: a bearer route's status, or introspection's `active`. */
  verdict(response: ApiResponse): Verdict;
  /**
   * The refusal a token too big for this transport gets before any JWT code runs (a 431 from the
   * HTTP parser, a 400 from the schema), or `undefined` if it fits.
   */
  sizeRefusal(token: string): number | undefined;
}

/**
 * Bearer on GET /auth/me and GET /todos, and, given a resource client, `token=` on
 * POST /oauth/introspect, whose refusal is a 200 `{"active": false}` (judged as a 401 here, so
 * every check is judged alike).
 */
export function tokenChecks(server: TestServer, client?: ResourceClient): TokenCheck[] {
  const bearer = (route: string): TokenCheck => ({
    name: `GET ${route}`,
    oauth: false,
    send: (token) => server.request('GET', route, { token }),
    verdict: (response) => ({ status: response.status, code: response.body?.code }),
    sizeRefusal: (token) => (token.length + 200 > MAX_HEADER_BYTES ? 431 : undefined),
  });
  const checks = [bearer('/auth/me'), bearer('/todos')];
  if (!client) return checks;
  const introspection: TokenCheck = {
    name: 'POST /oauth/introspect',
    oauth: true,
    send: (token) =>
      server.request('POST', '/oauth/introspect', {
        raw: new URLSearchParams({ token }).toString(),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basicAuthorization(client),
        },
      }),
    verdict(response) {
      if (response.status !== 200) return { status: response.status };
      if (response.body.active === true) return { status: 200 };
      assert.deepEqual(response.body, { active: false }, 'an inactive token says nothing more');
      return { status: 401 };
    },
    sizeRefusal: (token) => (token.length + 'token='.length > BODY_LIMIT ? 400 : undefined),
  };
  return [...checks, introspection];
}

/**
 * Sends a forgery to one check and asserts it was refused the right way: a 401 with the expected
 * code (and `WWW-Authenticate`) on bearer routes, `active: false` from introspection, or the size
 * refusal that applies to it.
 */
export async function assertRefused(ledger: FuzzLedger, check: TokenCheck, forgery: Forgery): Promise<void> {
  const response = await check.send(forgery.token);
  ledger.forgeries++;
  const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body ?? '');
  const answer = { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
  ledger.check(`${check.name} forgery "${forgery.label}"`, answer, 'POST', check.oauth);
  const verdict = check.verdict(response);
  const context = `${check.name}: "${forgery.label}" -> ${response.status} ${body.slice(0, 200)}`;
  if (verdict.status < 400) ledger.acceptedForgeries++;
  assert.ok(verdict.status >= 400, `ACCEPTED FORGERY ${context}`);
  const refusal = check.sizeRefusal(forgery.token);
  if (refusal !== undefined) {
    assert.equal(verdict.status, refusal, context);
    return;
  }
  assert.equal(verdict.status, 401, context);
  if (check.oauth) return;
  assert.equal(verdict.code, forgery.code, context);
  assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/, context);
}

/** An Ed25519 key pair that is not the server's, with its public JWK. */
export function attackerKeyPair(): { privateKey: KeyObject; publicJwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown> };
}

/**
 * Random tokens: a header of random parameters (with a bias towards the real `alg`, `typ` and
 * `kid`), a payload that is the genuine claims edited or replaced, and a signature that is random
 * bytes, the genuine signature, or a foreign key's. Tokens that happen to carry a valid signature
 * by the server key are no forgeries and are filtered out.
 */
export function randomForgery(
  serverKey: ServerSigningKey,
  genuine: string,
  attacker: KeyObject,
): fc.Arbitrary<Forgery> {
  const [, genuinePayload = '', genuineSignature = ''] = genuine.split('.');
  const claims = JSON.parse(Buffer.from(genuinePayload, 'base64url').toString()) as Record<string, unknown>;
  const json = fc.jsonValue({ maxDepth: 2 });
  const header = fc
    .tuple(
      fc.record(
        {
          alg: fc.oneof(fc.constantFrom('EdDSA', 'ES256', 'HS256', 'RS256', 'none', 'Ed25519'), json),
          typ: fc.oneof(fc.constantFrom('at+jwt', 'JWT', 'at+JWT'), json),
          kid: fc.oneof(fc.constant(serverKey.kid), fc.string(), json),
        },
        { requiredKeys: [] },
      ),
      fc.dictionary(fc.constantFrom('crit', 'cty', 'jku', 'jwk', 'x5u', 'b64', 'zip', 'enc'), json, {
        maxKeys: 2,
      }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
  const payload = fc.oneof(
    fc
      .dictionary(fc.constantFrom('sub', 'sid', 'exp', 'iat', 'nbf', 'iss', 'aud', 'jti'), json, {
        maxKeys: 3,
      })
      .map((edits) => ({ ...claims, ...edits })),
    fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 6 }),
    json,
  );
  const signature = fc.oneof(
    fc.uint8Array({ maxLength: 128 }).map((bytes) => () => Buffer.from(bytes)),
    fc.constant(() => Buffer.from(genuineSignature, 'base64url')),
    fc.constant(signers.eddsa(attacker)),
  );
  return fc
    .tuple(header, payload, signature)
    .map(([h, p, sign]) => compactJws(h, p, sign))
    .filter((token) => !signedBy(token, serverKey))
    .map((token) => ({
      label: `random ${token.slice(0, 120)}`,
      token,
      code: 'invalid_token' as const,
      kind: 'forged' as const,
    }));
}
