/**
 * A catalogue of forged and tampered access tokens, one per known way JWT verifiers have been
 * fooled: `alg` confusion, foreign keys, `kid` injection, key URLs in headers, `crit`, nesting,
 * time claims, oversize tokens and re-used signatures on edited claims. It follows the server's
 * algorithm (ES256, EdDSA or RS256): the header names it and the public-key confusions use that
 * key's own encodings. Resource-server examples (`examples/`) run the same catalogue.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  b64u,
  compactJws,
  publicKeyForms,
  type ServerSigningKey,
  type Signer,
  signerFor,
  signers,
} from './jws.js';

/**
 * Who can make a token, which says who must refuse it:
 * - `forged`: made without the server's private key; every verifier must refuse it.
 * - `standard`: signed with the server's key, but fails a check that every JWT verifier
 *   configured with the issuer and audience makes (`exp`, `nbf`, `iss`, `aud`).
 * - `profile`: signed with the server's key, refused by Baton's own stricter profile (`typ`,
 *   `crit`, required claims, a live `sid`, the lifetime policy). Only the server's private key
 *   makes these, so a stateless resource server may accept them; introspection refuses them.
 */
export type ForgeryKind = 'forged' | 'standard' | 'profile';

/** One forgery and the rejection code it must get on every target. */
export interface Forgery {
  readonly label: string;
  readonly token: string;
  /** `token_expired` only for tokens that are genuine but expired; everything else `invalid_token`. */
  readonly code: 'invalid_token' | 'token_expired';
  readonly kind: ForgeryKind;
}

export interface ForgeryContext {
  readonly serverKey: ServerSigningKey;
  /** A genuine token the server issued, whose claims and signature the tampered cases reuse. */
  readonly genuine: string;
  /** The attacker's server, for `jku` and `x5u`. */
  readonly attackerUrl: string;
  /** The attacker's Ed25519 key pair (its public JWK is what the attacker server publishes). */
  readonly attackerKey: { readonly privateKey: KeyObject; readonly publicJwk: Record<string, unknown> };
  /** The server's current time in seconds. */
  readonly now: number;
}

type Claims = Record<string, unknown>;

/** Builds every forgery of the catalogue for one server. */
export function forgeries(context: ForgeryContext): Forgery[] {
  const { serverKey, genuine, attackerUrl, attackerKey, now } = context;
  const [genuineHeader = '', genuinePayload = '', genuineSignature = ''] = genuine.split('.');
  const claims = JSON.parse(Buffer.from(genuinePayload, 'base64url').toString()) as Claims;
  const fresh: Claims = { ...claims, iat: now, exp: now + 60, jti: `forged-${now}` };
  const kid = serverKey.kid;
  const alg = serverKey.alg;
  const header = (extra: Claims = {}) => ({ alg, typ: 'at+jwt', kid, ...extra });
  const list: Forgery[] = [];
  let kind: ForgeryKind = 'forged';
  const add = (label: string, token: string, code: Forgery['code'] = 'invalid_token') =>
    list.push({ label, token, code, kind });
  const ours = signerFor(alg, serverKey.privateKey);
  const attacker = signers.eddsa(attackerKey.privateKey);

  // alg none, in the spellings that fooled case-sensitive checks.
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add(`alg ${alg}`, compactJws({ alg, typ: 'at+jwt', kid }, fresh, signers.none()));
    add(`alg ${alg} without kid`, compactJws({ alg, typ: 'at+jwt' }, fresh, signers.none()));
  }
  add(`${alg} header, empty signature`, compactJws(header(), fresh, signers.none()).replace(/\.[^.]*$/, '.'));

  // HS256 keyed with the public key: the classic RS/HS confusion, in every form a key takes.
  for (const [form, secret] of Object.entries(publicKeyForms(serverKey))) {
    for (const [alg, hash] of [
      ['HS256', 'sha256'],
      ['HS384', 'sha384'],
      ['HS512', 'sha512'],
    ] as const) {
      add(
        `${alg} keyed with the public key (${form})`,
        compactJws(header({ alg }), fresh, signers.hmac(hash, secret)),
      );
    }
  }

  // Foreign keys of every algorithm the verifier might know, claiming our kid or none.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const foreign: Array<[string, string, Signer]> = [
    ['RS256', 'RS256', signers.rs256(rsa)],
    ['ES256', 'ES256', signers.es256(p256)],
    ['EdDSA (foreign key)', 'EdDSA', attacker],
    ['Ed25519 (foreign key)', 'Ed25519', attacker],
  ];
  for (const [label, alg, signer] of foreign) {
    add(`${label} with our kid`, compactJws(header({ alg }), fresh, signer));
    add(`${label} without kid`, compactJws({ alg, typ: 'at+jwt' }, fresh, signer));
    add(`${label} with its own kid`, compactJws(header({ alg, kid: 'attacker' }), fresh, signer));
  }

  // kid injection: lookups by path, SQL, prototype keys, other types.
  const kids: unknown[] = [
    '../../etc/passwd',
    '../../../../../../dev/null',
    "' OR 1=1 --",
    `${kid}' OR '1'='1`,
    'x'.repeat(3000),
    '',
    `${kid}\u0000`,
    kid.toUpperCase(),
    ` ${kid}`,
    '__proto__',
    'constructor',
    'toString',
    'hasOwnProperty',
    123,
    0,
    null,
    true,
    {},
    [kid],
    { toString: kid },
  ];
  for (const injected of kids) {
    const label = JSON.stringify(injected).slice(0, 40);
    add(`kid ${label} (foreign signature)`, compactJws(header({ kid: injected }), fresh, attacker));
    add(
      `kid ${label} (alg none)`,
      compactJws({ alg: 'none', typ: 'at+jwt', kid: injected }, fresh, signers.none()),
    );
  }
  add('kid missing (foreign signature)', compactJws({ alg, typ: 'at+jwt' }, fresh, attacker));

  // Key material or key URLs in the header: none of it may be trusted or fetched.
  const attackerJwk = { ...attackerKey.publicJwk, kid: 'attacker' };
  add(
    'jku to attacker JWKS',
    compactJws(header({ kid: 'attacker', jku: `${attackerUrl}/jwks.json` }), fresh, attacker),
  );
  add(
    'jku to attacker JWKS, our kid',
    compactJws(header({ jku: `${attackerUrl}/jwks.json` }), fresh, attacker),
  );
  add(
    'x5u to attacker',
    compactJws(header({ kid: 'attacker', x5u: `${attackerUrl}/cert.pem` }), fresh, attacker),
  );
  add('jwk embedded', compactJws(header({ kid: undefined, jwk: attackerKey.publicJwk }), fresh, attacker));
  add('jwk embedded with kid', compactJws(header({ kid: 'attacker', jwk: attackerJwk }), fresh, attacker));
  add('jwk embedded, our kid', compactJws(header({ jwk: attackerJwk }), fresh, attacker));
  add('x5c garbage', compactJws(header({ x5c: ['MIIBIjANBgkq'] }), fresh, attacker));

  // Signed with our real key, but carrying something Baton's profile refuses.
  kind = 'profile';
  // Another kind of JWT signed by the same key (an ID token, a refresh JWT): only `typ` tells.
  for (const typ of ['JWT', 'jwt', 'application/jwt', 'rt+jwt', 'at+jwt+x', undefined]) {
    add(`typ ${typ ?? 'missing'} (ours)`, compactJws(header({ typ }), fresh, ours));
  }
  add('crit unknown extension', compactJws(header({ crit: ['x-baton'], 'x-baton': 1 }), fresh, ours));
  add('crit listing a missing parameter', compactJws(header({ crit: ['x-missing'] }), fresh, ours));
  add('crit empty', compactJws(header({ crit: [] }), fresh, ours));
  add('crit b64 false', compactJws(header({ crit: ['b64'], b64: false }), fresh, ours));
  add('nested JWT (cty JWT), ours outside', compactJws(header({ cty: 'JWT' }), genuine, ours));
  add('iat in the future', compactJws(header(), { ...fresh, iat: now + 3600, exp: now + 3660 }, ours));
  add(
    'lifetime beyond policy',
    compactJws(header(), { ...fresh, iat: now - 3600, exp: now + 3600 }, ours),
    'token_expired',
  );
  for (const claim of ['sub', 'sid', 'jti', 'exp', 'iat']) {
    const { [claim]: _dropped, ...rest } = fresh;
    add(`missing ${claim}`, compactJws(header(), rest, ours));
  }
  add('sid of no session', compactJws(header(), { ...fresh, sid: 'no-such-session' }, ours));
  add('sid not a string', compactJws(header(), { ...fresh, sid: 42 }, ours));
  add('sub not a string', compactJws(header(), { ...fresh, sub: { id: claims.sub } }, ours));
  add('payload not JSON', compactJws(header(), 'not json', ours));
  add('payload a JSON array', compactJws(header(), [fresh], ours));
  add('10 KB claim padding (ours)', compactJws(header(), { ...fresh, pad: 'p'.repeat(10_000) }, ours));

  // Signed with our real key, but failing what every verifier checks given issuer and audience.
  kind = 'standard';
  add('expired', compactJws(header(), { ...fresh, iat: now - 400, exp: now - 100 }, ours), 'token_expired');
  add('expired long ago', compactJws(header(), { ...fresh, iat: 1, exp: 2 }, ours), 'token_expired');
  add('nbf in the future', compactJws(header(), { ...fresh, nbf: now + 3600 }, ours));
  add('another issuer', compactJws(header(), { ...fresh, iss: 'https://evil.example' }, ours));
  add('another audience', compactJws(header(), { ...fresh, aud: 'another-api' }, ours));
  for (const claim of ['iss', 'aud']) {
    const { [claim]: _dropped, ...rest } = fresh;
    add(`missing ${claim}`, compactJws(header(), rest, ours));
  }

  // Anyone can make these: no valid signature by our key.
  kind = 'forged';
  add('nested JWT (cty JWT), foreign outside', compactJws(header({ cty: 'JWT' }), genuine, attacker));
  add(
    'nested JWT (cty JWT), alg none outside',
    compactJws({ alg: 'none', cty: 'JWT' }, genuine, signers.none()),
  );

  // Oversize: 10 KB fits in a header (401 expected); 100 KB exceeds every limit.
  add('10 KB header padding (foreign)', compactJws(header({ pad: 'p'.repeat(10_000) }), fresh, attacker));
  add('100 KB header padding (foreign)', compactJws(header({ pad: 'p'.repeat(100_000) }), fresh, attacker));
  add(
    '100 KB genuine payload re-signed by nobody',
    `${genuineHeader}.${b64u({ ...claims, pad: 'p'.repeat(100_000) })}.${genuineSignature}`,
  );

  // The genuine signature re-used on edited claims or an edited header.
  const edits: Record<string, Claims> = {
    'sub changed': { ...claims, sub: 'someone-else' },
    'sid changed': { ...claims, sid: 'another-session' },
    'exp extended': { ...claims, exp: Number(claims.exp) + 86_400 },
    'iat moved': { ...claims, iat: Number(claims.iat) - 1 },
    'aud changed': { ...claims, aud: 'another-api' },
    'claim added': { ...claims, admin: true },
    'same claims, spaced JSON': claims,
  };
  for (const [label, edited] of Object.entries(edits)) {
    const payload = label.startsWith('same') ? b64u(JSON.stringify(edited, null, 1)) : b64u(edited);
    add(`re-used signature, ${label}`, `${genuineHeader}.${payload}.${genuineSignature}`);
  }
  const rawHeader = JSON.parse(Buffer.from(genuineHeader, 'base64url').toString()) as Claims;
  add(
    're-used signature, alg none',
    `${b64u({ ...rawHeader, alg: 'none' })}.${genuinePayload}.${genuineSignature}`,
  );
  add(
    're-used signature, kid dropped',
    `${b64u({ ...rawHeader, kid: undefined })}.${genuinePayload}.${genuineSignature}`,
  );
  add(
    're-used signature, typ JWT',
    `${b64u({ ...rawHeader, typ: 'JWT' })}.${genuinePayload}.${genuineSignature}`,
  );
  const signature = Buffer.from(genuineSignature, 'base64url');
  const flipped = Buffer.from(signature);
  flipped[10] = (flipped[10] ?? 0) ^ 1;
  add('signature bit flipped', `${genuineHeader}.${genuinePayload}.${b64u(flipped)}`);
  add('signature truncated', `${genuineHeader}.${genuinePayload}.${b64u(signature.subarray(0, 32))}`);
  add(
    'signature doubled',
    `${genuineHeader}.${genuinePayload}.${b64u(Buffer.concat([signature, signature]))}`,
  );
  add('signature dropped', `${genuineHeader}.${genuinePayload}.`);
  add('two parts', `${genuineHeader}.${genuinePayload}`);
  add('four parts', `${genuine}.${genuineSignature}`);
  add(
    'JWE shaped',
    `${b64u({ alg: 'dir', enc: 'A256GCM', kid })}..${b64u('iv')}.${genuinePayload}.${b64u('tag')}`,
  );
  add('parts swapped', `${genuinePayload}.${genuineHeader}.${genuineSignature}`);
  return list;
}
